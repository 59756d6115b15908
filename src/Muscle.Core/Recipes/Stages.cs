using System.Security.Cryptography;
using System.Text.Json;
using System.Text;
using Muscle.Events;
using Muscle.Infrastructure;
using Muscle.Training;

namespace Muscle.Recipes;

/// <summary>
/// Cached pipeline stages: a stage records a fingerprint of its inputs when it finishes; a rerun with the same inputs
/// skips it, and a stage killed mid-training resumes from its checkpoint.
/// </summary>
public static class Stages
{
    public const string DoneFile = "stage.done.json";

    /// <summary>
    /// Runs a stage unless its done-marker holds the same input fingerprint. <paramref name="workDir"/> is where the stage
    /// trains (null: nothing to resume): a half-done training there resumes from its last checkpoint; a run killed before
    /// its first checkpoint, or one whose inputs have changed since, is cleared and starts afresh.
    /// <paramref name="progress"/> hears <see cref="StageStarted"/> before the work and <see cref="StageDone"/> after it,
    /// or only <see cref="StageDone"/> (reused) when the stage is skipped.
    /// </summary>
    public static void Run<T>(string outDir, string stage, string? workDir, object inputs, List<string> skipped, Func<bool, T> run,
                              IProgress<RunEvent>? progress = null)
    {
        var marker = Path.Combine(outDir, "stages", stage, DoneFile);
        var fingerprint = JsonSerializer.Serialize(inputs);
        if (File.Exists(marker) && File.ReadAllText(marker) == fingerprint)
        {
            skipped.Add(stage);
            progress?.Report(new StageDone(stage, Reused: true));
            return;
        }
        var resume = false;
        if (workDir is not null && Directory.Exists(workDir))
        {
            resume = !File.Exists(marker) && TrainingRunLayout.HasCheckpoint(workDir);
            if (!resume) Directory.Delete(workDir, recursive: true);
        }
        if (File.Exists(marker)) File.Delete(marker); // the stage is not done until it finishes again
        progress?.Report(new StageStarted(stage));
        run(resume);
        AtomicFile.WriteAllText(marker, fingerprint);
        progress?.Report(new StageDone(stage, Reused: false));
    }

    /// <summary>
    /// A stage's inputs with the weight dtype it computes in: unchanged in float32 (so fingerprints written before
    /// <c>--dtype auto</c> stay valid), tagged otherwise, so a rerun in another dtype redoes the stage instead of mixing
    /// results of two dtypes.
    /// </summary>
    public static object WithDType(object inputs, TorchSharp.torch.ScalarType dtype) =>
        dtype == TorchSharp.torch.ScalarType.Float32 ? inputs : new { inputs, dtype = Models.DTypes.Name(dtype) };

    /// <summary>Size, time and a hash of the first MB: enough to notice a replaced file without reading a whole model.</summary>
    public static string Fingerprint(params string?[] files)
    {
        var sb = new StringBuilder();
        foreach (var f in files)
        {
            if (f is null || !File.Exists(f)) { sb.Append("-;"); continue; }
            var info = new FileInfo(f);
            using var s = File.OpenRead(f);
            var head = new byte[Math.Min(info.Length, 1 << 20)];
            s.ReadExactly(head);
            sb.Append(info.FullName).Append(':').Append(info.Length).Append(':').Append(Convert.ToHexString(SHA256.HashData(head))).Append(';');
        }
        return sb.ToString();
    }

}
