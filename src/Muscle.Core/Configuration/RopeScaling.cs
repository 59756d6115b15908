using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Muscle.Configuration;

/// <summary>
/// HF's rotary settings in either dialect: transformers ≤ 4 writes <c>rope_scaling</c> (kind as <c>type</c> or
/// <c>rope_type</c>) beside a top-level <c>rope_theta</c>; transformers 5 writes one <c>rope_parameters</c> object
/// that also holds <c>rope_theta</c> and <c>partial_rotary_factor</c> (modeling_rope_utils.py). Both map here.
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
    // rope_parameters only (transformers 5).
    [JsonPropertyName("rope_theta")] public double? RopeTheta { get; init; }
    [JsonPropertyName("partial_rotary_factor")] public double? PartialRotaryFactor { get; init; }
    [JsonExtensionData] public Dictionary<string, JsonElement>? UnmappedKeys { get; init; }

    [JsonIgnore] public string Kind => RopeType ?? LegacyType ?? "default";

    /// <summary>The scaling to apply, or null for plain RoPE.</summary>
    [JsonIgnore] public RopeScaling? Scaling => Kind == "default" ? null : this;

    internal void AddProblems(List<string> problems, string key)
    {
        if (RopeType is not null && LegacyType is not null && RopeType != LegacyType)
            problems.Add($"{key}.rope_type '{RopeType}' disagrees with {key}.type '{LegacyType}'");
        if (!SupportedKinds.Contains(Kind))
        {
            problems.Add($"{key} type '{Kind}' is not supported (supported: {string.Join(", ", SupportedKinds)})");
            return;
        }
        if (Kind is "linear" or "llama3" && Factor is not > 0)
            problems.Add($"{key}.factor = {Show(Factor)} must be > 0 for type '{Kind}'");
        if (Kind == "llama3")
        {
            if (LowFreqFactor is not > 0) problems.Add($"{key}.low_freq_factor = {Show(LowFreqFactor)} must be > 0");
            if (HighFreqFactor is not { } h || h <= (LowFreqFactor ?? 0))
                problems.Add($"{key}.high_freq_factor = {Show(HighFreqFactor)} must be > low_freq_factor");
            if (OriginalMaxPositionEmbeddings is not > 0)
                problems.Add($"{key}.original_max_position_embeddings = {Show(OriginalMaxPositionEmbeddings)} must be > 0");
        }
        if (RopeTheta is <= 0) problems.Add($"{key}.rope_theta = {Show(RopeTheta)} must be > 0");
    }

    /// <summary>Unmapped keys as dotted paths under <paramref name="key"/>.</summary>
    internal IEnumerable<string> UnmappedPaths(string key) => UnmappedKeys?.Keys.Select(k => key + "." + k) ?? [];

    /// <summary>
    /// Resolves the two dialects into one set of rotary settings, adding a problem for each value spelled both
    /// ways that disagrees. <paramref name="legacy"/> is <c>rope_scaling</c>, <paramref name="parameters"/>
    /// <c>rope_parameters</c>, <paramref name="topTheta"/>/<paramref name="topPartial"/> the top-level keys.
    /// </summary>
    internal static (double Theta, RopeScaling? Scaling, double? PartialRotaryFactor) Resolve(
        double? topTheta, RopeScaling? legacy, RopeScaling? parameters, double? topPartial, List<string>? problems = null)
    {
        if (problems is not null)
        {
            legacy?.AddProblems(problems, "rope_scaling");
            parameters?.AddProblems(problems, "rope_parameters");
            if (topTheta is { } t && parameters?.RopeTheta is { } pt && t != pt)
                problems.Add($"rope_theta = {Show(t)} disagrees with rope_parameters.rope_theta = {Show(pt)}");
            if (topPartial is { } f && parameters?.PartialRotaryFactor is { } pf && f != pf)
                problems.Add($"partial_rotary_factor = {Show(f)} disagrees with rope_parameters.partial_rotary_factor = {Show(pf)}");
            if (legacy is not null && parameters is not null && !SameScaling(legacy, parameters))
                problems.Add($"rope_scaling ({Describe(legacy)}) disagrees with rope_parameters ({Describe(parameters)})");
        }
        var theta = parameters?.RopeTheta ?? topTheta ?? 10000.0;
        var scaling = parameters?.Scaling ?? legacy?.Scaling;
        return (theta, scaling, parameters?.PartialRotaryFactor ?? topPartial);
    }

    private static bool SameScaling(RopeScaling a, RopeScaling b) =>
        a.Kind == b.Kind && a.Factor == b.Factor && a.LowFreqFactor == b.LowFreqFactor
        && a.HighFreqFactor == b.HighFreqFactor && a.OriginalMaxPositionEmbeddings == b.OriginalMaxPositionEmbeddings;

    private static string Describe(RopeScaling s) =>
        $"type {s.Kind}, factor {Show(s.Factor)}, low_freq_factor {Show(s.LowFreqFactor)}, high_freq_factor {Show(s.HighFreqFactor)}, "
        + $"original_max_position_embeddings {Show(s.OriginalMaxPositionEmbeddings)}";

    private static string Show(double? v) => v?.ToString("R", CultureInfo.InvariantCulture) ?? "null";

    private static string Show(int? v) => v?.ToString(CultureInfo.InvariantCulture) ?? "null";
}
