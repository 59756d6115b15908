using Muscle.Compatibility;

namespace Muscle.LmEval;

/// <summary>
/// What <see cref="LmEvalComparer"/> compares: <see cref="Filter"/> null = each task's only filter, or its first
/// with a note; <see cref="Metric"/> null or "auto" = acc for multiple choice, exact_match for generation;
/// <see cref="Bootstrap"/> resamples (0 = none) drawn with <see cref="Seed"/>.
/// </summary>
public sealed record LmEvalCompareOptions(string? Filter = null, string? Metric = null, int Bootstrap = PairedBootstrap.DefaultResamples, long Seed = 0);
