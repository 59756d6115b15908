using System.Text.RegularExpressions;
using Muscle.Infrastructure;

namespace Muscle.Training;

/// <summary>
/// Where a training run writes — the one owner of a run directory's layout, for every recipe: the recipe's result at
/// the root (a PEFT adapter, or an HF model directory), the resumable checkpoint in <c>checkpoints/last</c>, the best
/// adapter by validation loss in <c>checkpoints/best</c>.
/// </summary>
public sealed record TrainingRunLayout(string OutDir)
{
    private const string CheckpointsFolder = "checkpoints";

    public const string StateFileName = "trainer_state.json";
    public const string OptimizerFileName = "optimizer.safetensors";

    public string CheckpointDir => Path.Combine(OutDir, CheckpointsFolder, "last");
    public string BestDir => Path.Combine(OutDir, CheckpointsFolder, "best");
    public string StateFile => Path.Combine(CheckpointDir, StateFileName);
    public string OptimizerFile => Path.Combine(CheckpointDir, OptimizerFileName);
    public string HistoryFile => Path.Combine(OutDir, "training_history.json");

    /// <summary>True when <paramref name="outDir"/> holds a (possibly half-written) resumable checkpoint.</summary>
    public static bool HasCheckpoint(string outDir) => Directory.Exists(new TrainingRunLayout(outDir).CheckpointDir);

    /// <summary>
    /// What <see cref="AtomicFile"/> leaves when a write is killed: <c>.NAME.tmp-GUID</c> (the new content, maybe
    /// incomplete) and <c>.NAME.old-GUID</c> (the previous one, moved aside just before the new one is renamed in).
    /// </summary>
    private static readonly Regex Interrupted = new(@"^\.(?<name>.+)\.(?<kind>tmp|old)-[0-9a-f]{32}$", RegexOptions.CultureInvariant);

    /// <summary>
    /// Clears what a run killed while writing a checkpoint left in <c>checkpoints/</c> (and a killed file write at the
    /// root): every <c>.NAME.tmp-GUID</c> entry is deleted; a <c>.NAME.old-GUID</c> directory whose NAME is missing (the
    /// kill fell between AtomicFile's two renames) is the last complete checkpoint and is renamed back to NAME, any
    /// other is deleted. Only in a run directory muscle marked (<see cref="OutputGuard.MarkerFileName"/> in it or in a
    /// directory above it, as an update's stage directories are); returns how many entries were removed.
    /// </summary>
    public int TidyInterruptedWrites()
    {
        if (!Directory.Exists(OutDir) || !Marked(OutDir)) return 0;
        var removed = 0;
        var checkpoints = Path.Combine(OutDir, CheckpointsFolder);
        if (Directory.Exists(checkpoints))
            foreach (var entry in Directory.GetFileSystemEntries(checkpoints).Order(StringComparer.Ordinal))
            {
                var match = Interrupted.Match(Path.GetFileName(entry));
                if (!match.Success) continue;
                var target = Path.Combine(checkpoints, match.Groups["name"].Value);
                if (match.Groups["kind"].Value == "old" && Directory.Exists(entry) && !Path.Exists(target))
                {
                    Directory.Move(entry, target);
                    continue;
                }
                Delete(entry);
                removed++;
            }
        foreach (var file in Directory.GetFiles(OutDir))
        {
            var match = Interrupted.Match(Path.GetFileName(file));
            if (!match.Success || match.Groups["kind"].Value != "tmp") continue;
            Delete(file);
            removed++;
        }
        return removed;
    }

    /// <summary>
    /// The note for <c>--resume</c> on a run directory with no checkpoint to continue (after
    /// <see cref="TidyInterruptedWrites"/>); null when there is one or no resume was asked for. Every trainer prints it.
    /// </summary>
    public string? ResumeNote(bool resume)
    {
        if (!resume) return null;
        TidyInterruptedWrites();
        return HasCheckpoint(OutDir) ? null : $"--resume: no checkpoint in {OutDir}; starting from step 0";
    }

    private static bool Marked(string dir)
    {
        for (var d = new DirectoryInfo(Path.GetFullPath(dir)); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, OutputGuard.MarkerFileName))) return true;
        return false;
    }

    private static void Delete(string entry)
    {
        try
        {
            if (Directory.Exists(entry)) Directory.Delete(entry, recursive: true);
            else File.Delete(entry);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new MuscleInputException($"cannot remove what an interrupted checkpoint write left: {e.Message}", entry, inner: e);
        }
    }
}
