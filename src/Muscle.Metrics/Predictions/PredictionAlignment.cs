using Muscle.Infrastructure;

namespace Muscle.Predictions;

/// <summary>
/// Old, new and (optionally) compatibility predictions for the same instances, in the old file's order.
/// <c>Old[i]</c>, <c>New[i]</c> and <c>Compat[i]</c> share one id.
/// </summary>
public sealed record AlignedPredictions(
    PredictionSet OldSet,
    PredictionSet NewSet,
    PredictionSet? CompatSet,
    IReadOnlyList<PredictionRecord> Old,
    IReadOnlyList<PredictionRecord> New,
    IReadOnlyList<PredictionRecord>? Compat)
{
    public int Count => Old.Count;
}

/// <summary>
/// Aligns prediction files by id. Alignment is strict: an id present in only some
/// files, or a gold answer that differs between files, is an error that names the count, the first few ids and
/// the file:line of the first offender — silently dropping instances would bias every flip rate.
/// </summary>
public static class PredictionAlignment
{
    private const int ShownIds = 5;

    public static AlignedPredictions Align(PredictionSet old, PredictionSet @new, PredictionSet? compat = null)
    {
        ArgumentNullException.ThrowIfNull(old);
        ArgumentNullException.ThrowIfNull(@new);
        var newById = Index(@new);
        var compatById = compat is null ? null : Index(compat);
        var oldById = Index(old);

        RequireAll(old, newById, @new.File);
        RequireAll(@new, oldById, old.File);
        if (compat is not null)
        {
            RequireAll(old, compatById!, compat.File);
            RequireAll(compat, oldById, old.File);
        }

        var newAligned = old.Records.Select(r => newById[r.Id]).ToList();
        var compatAligned = compatById is null ? null : old.Records.Select(r => compatById[r.Id]).ToList();
        for (var i = 0; i < old.Records.Count; i++)
        {
            RequireSameGold(old.Records[i], newAligned[i], @new.File);
            if (compatAligned is not null) RequireSameGold(old.Records[i], compatAligned[i], compat!.File);
        }
        return new AlignedPredictions(old, @new, compat, old.Records, newAligned, compatAligned);
    }

    private static Dictionary<string, PredictionRecord> Index(PredictionSet set) =>
        set.Records.ToDictionary(r => r.Id, StringComparer.Ordinal);

    private static void RequireAll(PredictionSet from, Dictionary<string, PredictionRecord> other, string otherFile)
    {
        var missing = from.Records.Where(r => !other.ContainsKey(r.Id)).ToList();
        if (missing.Count == 0) return;
        var shown = string.Join(", ", missing.Take(ShownIds).Select(r => r.Id)) + (missing.Count > ShownIds ? ", ..." : "");
        throw new MuscleInputException(
            $"{missing.Count} id(s) of {from.File} are missing from {otherFile}: {shown}", from.File, missing[0].Line);
    }

    private static void RequireSameGold(PredictionRecord old, PredictionRecord other, string otherFile)
    {
        if (old.Gold is null || other.Gold is null || old.Gold.Value.Text == other.Gold.Value.Text) return;
        throw new MuscleInputException(
            $"gold for id '{old.Id}' is '{other.Gold}' here but '{old.Gold}' in the old file (line {old.Line})",
            otherFile, other.Line);
    }
}
