namespace Muscle.Compatibility;

/// <summary>
/// Percentile intervals (2.5 % and 97.5 %) of the compatibility model's effect from one paired bootstrap over items,
/// each resample keeping an item's old, new and compat scores together. Rates and differences are fractions
/// (<see cref="DeltaNfrC"/> = NFR_c − NFR, <see cref="DeltaScoreNew"/> = acc_new − acc_old, <see cref="DeltaScoreC"/> =
/// acc_c − acc_new; mean S for a continuous metric). <see cref="DeltaPctNfrC"/> = 100·(NFR_c − NFR)/NFR is a
/// percentage over the resamples where NFR &gt; 0, null when there are none.
/// </summary>
public sealed record CompatibilityBootstrap(
    int Resamples,
    long Seed,
    RateInterval Nfr,
    RateInterval NfrC,
    RateInterval DeltaNfrC,
    RateInterval? DeltaPctNfrC,
    RateInterval DeltaScoreNew,
    RateInterval DeltaScoreC);
