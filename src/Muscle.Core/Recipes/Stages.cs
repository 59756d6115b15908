using System.Text.Json;
using Muscle.Events;
using Muscle.Infrastructure;
using Muscle.IO;
using Muscle.Training;

namespace Muscle.Recipes;

/// <summary>
/// Cached pipeline stages: a stage records a fingerprint of its inputs when it starts and when it finishes; a rerun with
/// the same inputs skips a finished stage and resumes a stage killed mid-training from its checkpoint. A fingerprint is
/// the stage's hyper-parameters and the content keys of the files it reads (<see cref="ContentHashes"/>), never their
/// paths, sizes or times alone: a model rewritten in place is a new input.
/// </summary>
public static class Stages
{
    public const string DoneFile = "stage.done.json";

    /// <summary>The fingerprint a stage started with: a killed stage resumes only under the same one.</summary>
    public const string StartedFile = "stage.started.json";

    /// <summary>
    /// Runs a stage unless its done-marker holds the same input fingerprint. <paramref name="workDir"/> is where the stage
    /// trains (null: nothing to resume): a half-done training there resumes from its last checkpoint when the stage
    /// started with the same fingerprint; a run killed before its first checkpoint, or one whose inputs have changed
    /// since, is cleared and starts afresh.
    /// <paramref name="progress"/> hears <see cref="StageStarted"/> before the work and <see cref="StageDone"/> after it,
    /// or only <see cref="StageDone"/> (reused) when the stage is skipped.
    /// </summary>
    public static void Run<T>(string outDir, string stage, string? workDir, object inputs, List<string> skipped, Func<bool, T> run,
                              IProgress<RunEvent>? progress = null)
    {
        var marker = Path.Combine(outDir, "stages", stage, DoneFile);
        var started = Path.Combine(outDir, "stages", stage, StartedFile);
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
            var layout = new TrainingRunLayout(workDir);
            layout.TidyInterruptedWrites();
            resume = !File.Exists(marker) && File.Exists(started) && File.ReadAllText(started) == fingerprint
                     && TrainingRunLayout.HasCheckpoint(workDir);
            if (!resume) Directory.Delete(workDir, recursive: true);
        }
        if (File.Exists(marker)) File.Delete(marker); // the stage is not done until it finishes again
        AtomicFile.WriteAllText(started, fingerprint);
        progress?.Report(new StageStarted(stage));
        run(resume);
        AtomicFile.WriteAllText(marker, fingerprint);
        progress?.Report(new StageDone(stage, Reused: false));
    }
}
