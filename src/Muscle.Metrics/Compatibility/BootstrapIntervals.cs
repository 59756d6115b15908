namespace Muscle.Compatibility;

/// <summary>
/// Percentile intervals (2.5 % and 97.5 %) from a paired bootstrap: <see cref="Nfr"/> for the negative flip rate
/// (the D &lt; 0 share for a continuous metric) and <see cref="DeltaScore"/> for Δacc = acc_new − acc_old (the mean
/// S difference for a continuous metric). <see cref="DeltaScore"/> may be negative, so its bounds lie in [−1, 1].
/// </summary>
public sealed record BootstrapIntervals(int Resamples, long Seed, RateInterval Nfr, RateInterval DeltaScore);
