using Muscle.IO;
using Muscle.Training;

namespace Muscle.Cli.Infrastructure;

/// <summary>
/// What every trainer command (train-adapter, train-compat, pretrain) does before it trains, so they say the same:
/// the note for <c>--resume</c> on a run directory with nothing to resume, and the content keys of the run's inputs
/// (cached in the run directory), which every checkpoint records and a resume must match.
/// </summary>
public static class TrainingRunStart
{
    public static RunInputs Prepare(CliContext ctx, string outDir, bool resume, IEnumerable<(string Option, string? Path)> inputs)
    {
        var keyed = RunInputs.Of(ContentHashes.ForRunDirectory(outDir), inputs);
        if (new TrainingRunLayout(outDir).ResumeNote(resume) is { } note) ctx.Error.WriteLine("note: " + note);
        return keyed;
    }
}
