using System.Text.Json;
using System.Text.Json.Serialization;

namespace Muscle.Configuration;

/// <summary>
/// HF <c>rope_scaling</c>. Older files spell the kind <c>type</c>, newer ones <c>rope_type</c>; both map here.
/// Supported kinds: default, linear, llama3 (see <see cref="Muscle.Modules.RotaryEmbedding"/>).
/// </summary>
public sealed record RopeScaling
{
    public static readonly IReadOnlyList<string> SupportedKinds = ["default", "linear", "llama3"];

    [JsonPropertyName("rope_type")] public string? RopeType { get; init; }
    [JsonPropertyName("type")] public string? LegacyType { get; init; }
    [JsonPropertyName("factor")] public double? Factor { get; init; }
    [JsonPropertyName("low_freq_factor")] public double? LowFreqFactor { get; init; }
    [JsonPropertyName("high_freq_factor")] public double? HighFreqFactor { get; init; }
    [JsonPropertyName("original_max_position_embeddings")] public int? OriginalMaxPositionEmbeddings { get; init; }
    [JsonExtensionData] public Dictionary<string, JsonElement>? UnmappedKeys { get; init; }

    [JsonIgnore] public string Kind => RopeType ?? LegacyType ?? "default";

    internal void AddProblems(List<string> problems)
    {
        if (!SupportedKinds.Contains(Kind))
        {
            problems.Add($"rope_scaling type '{Kind}' is not supported (supported: {string.Join(", ", SupportedKinds)})");
            return;
        }
        if (Kind is "linear" or "llama3" && Factor is not > 0)
            problems.Add($"rope_scaling.factor = {Factor?.ToString() ?? "null"} must be > 0 for type '{Kind}'");
        if (Kind == "llama3")
        {
            if (LowFreqFactor is not > 0) problems.Add($"rope_scaling.low_freq_factor = {LowFreqFactor?.ToString() ?? "null"} must be > 0");
            if (HighFreqFactor is not { } h || h <= (LowFreqFactor ?? 0))
                problems.Add($"rope_scaling.high_freq_factor = {HighFreqFactor?.ToString() ?? "null"} must be > low_freq_factor");
            if (OriginalMaxPositionEmbeddings is not > 0)
                problems.Add($"rope_scaling.original_max_position_embeddings = {OriginalMaxPositionEmbeddings?.ToString() ?? "null"} must be > 0");
        }
    }
}
