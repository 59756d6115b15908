using System.Text.Json.Nodes;
using System.Text.Json;

namespace Muscle.Training;

/// <summary>
/// How the <see cref="TrainingLoop"/> runs a recipe: AdamW's rate and weight decay, HF's linear warmup/decay, the seed,
/// the checkpoint and log cadence, and the resolved recipe a checkpoint records and a resume must match.
/// </summary>
public sealed record TrainingSettings
{
    public required double LearningRate { get; init; }
    public required double WeightDecay { get; init; }
    public required long WarmupSteps { get; init; }
    public required long Seed { get; init; }
    public required int SaveSteps { get; init; }
    public required int LogSteps { get; init; }

    /// <summary>Batch size of the validation passes.</summary>
    public required int ValidationBatchSize { get; init; }

    /// <summary>
    /// The resolved config and what the run was started on, written into every checkpoint; resuming with a different
    /// one (outside <see cref="MayChangeOnResume"/>) is refused.
    /// </summary>
    public required JsonObject Recipe { get; init; }

    /// <summary>
    /// The input files the run was started on, by content (recorded in every checkpoint; a resume on other contents is
    /// refused naming the input). Null: the caller keys its inputs itself (an update stage's fingerprint).
    /// </summary>
    public RunInputs? Inputs { get; init; }

    /// <summary>Top-level keys of <see cref="Recipe"/> a resumed run may change (e.g. the save and log intervals).</summary>
    public IReadOnlyCollection<string> MayChangeOnResume { get; init; } = [];

    /// <summary>
    /// True: a fresh run seeds torch's RNG with <see cref="Seed"/> when the loop starts. False: the recipe seeded it
    /// itself, before a random init that must draw from it (pretraining).
    /// </summary>
    public bool SeedsTorch { get; init; } = true;

    /// <summary>Also log (and check the loss of) the very first step, as nanoGPT does.</summary>
    public bool LogsFirstStep { get; init; }

    /// <summary>The adapter recipes' settings: the whole <see cref="AdapterTrainingOptions"/> is the recipe.</summary>
    public static TrainingSettings For(AdapterTrainingOptions o) => new()
    {
        LearningRate = o.LearningRate,
        WeightDecay = o.WeightDecay,
        WarmupSteps = o.WarmupSteps,
        Seed = o.Seed,
        SaveSteps = o.SaveSteps,
        LogSteps = o.LogSteps,
        ValidationBatchSize = o.BatchSize,
        // As pretraining: the first step's loss and pace at once, so the ETA shows after one step, not after LogSteps.
        LogsFirstStep = true,
        Recipe = JsonSerializer.SerializeToNode(o)!.AsObject(),
        // Targets: the checkpoint's adapter fixes them (loading it fails on a mismatch).
        MayChangeOnResume = [nameof(o.SaveSteps), nameof(o.LogSteps), nameof(o.Epochs), nameof(o.Targets)],
    };

    /// <summary>True when <paramref name="saved"/> (a checkpoint's recipe) continues this run.</summary>
    public bool SameRunAs(JsonNode? saved) => RecipeDifference(saved) is null;

    /// <summary>
    /// Null when <paramref name="saved"/> (a checkpoint's recipe) continues this run; else the first setting that differs,
    /// in words (<c>LearningRate: 0.005 in the checkpoint, 0.01 now</c>); keys in <see cref="MayChangeOnResume"/> may differ.
    /// </summary>
    public string? RecipeDifference(JsonNode? saved)
    {
        if (saved is not JsonObject savedRecipe) return "the checkpoint records no recipe";
        return Difference(Comparable(savedRecipe), Comparable(Recipe), "");

        JsonObject Comparable(JsonObject recipe)
        {
            var copy = recipe.DeepClone().AsObject();
            foreach (var key in MayChangeOnResume) copy.Remove(key);
            return copy;
        }
    }

    private static string? Difference(JsonNode? then, JsonNode? now, string path)
    {
        if (then is JsonObject a && now is JsonObject b)
        {
            foreach (var key in a.Select(p => p.Key).Union(b.Select(p => p.Key)).Order(StringComparer.Ordinal))
                if (Difference(a[key], b[key], path.Length == 0 ? key : $"{path}.{key}") is { } d) return d;
            return null;
        }
        var (x, y) = (then?.ToJsonString() ?? "null", now?.ToJsonString() ?? "null");
        return x == y ? null : $"{path}: {x} in the checkpoint, {y} now";
    }
}
