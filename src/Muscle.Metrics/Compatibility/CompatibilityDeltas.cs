namespace Muscle.Compatibility;

/// <summary>
/// The paper's compatibility columns (Sec. 5.3, Tables 4–7): the compatibility model "c" measured against the
/// old model, minus the plain new model measured the same way. ΔNFR_c and Δacc_c are in rate units (fractions);
/// Δ%NFR_c = 100·ΔNFR_c/NFR is a percentage, null when NFR = 0. Δm_g, Δm_r are null when either side is n/a.
/// </summary>
public sealed record CompatibilityDeltas(
    double AccC,
    double NfrC,
    double PfrC,
    double DeltaNfrC,
    double? DeltaPctNfrC,
    double DeltaAccC,
    double DeltaPfrC,
    double? DeltaMg,
    double? DeltaMr)
{
    /// <param name="accNew">acc (or mean score) of the new model.</param>
    /// <param name="nfr">NFR of new vs old.</param>
    /// <param name="pfr">PFR of new vs old.</param>
    /// <param name="accC">acc (or mean score) of the compatibility model.</param>
    /// <param name="nfrC">NFR of compat vs old.</param>
    /// <param name="pfrC">PFR of compat vs old.</param>
    public static CompatibilityDeltas Compute(
        double accNew, double nfr, double pfr, double accC, double nfrC, double pfrC,
        double? mg = null, double? mr = null, double? mgC = null, double? mrC = null)
    {
        var deltaNfr = nfrC - nfr;
        return new CompatibilityDeltas(
            AccC: accC,
            NfrC: nfrC,
            PfrC: pfrC,
            DeltaNfrC: deltaNfr,
            DeltaPctNfrC: DeltaPercent(nfr, nfrC),
            DeltaAccC: accC - accNew,
            DeltaPfrC: pfrC - pfr,
            DeltaMg: mg is { } g && mgC is { } gc ? gc - g : null,
            DeltaMr: mr is { } r && mrC is { } rc ? rc - r : null);
    }

    /// <summary>Δ%NFR_c = 100·(NFR_c − NFR)/NFR; undefined (null) when NFR = 0.</summary>
    public static double? DeltaPercent(double nfr, double nfrC) => nfr == 0 ? null : 100 * (nfrC - nfr) / nfr;

    public static CompatibilityDeltas From(DiscreteFlipMetrics oldVsNew, DiscreteFlipMetrics oldVsCompat) =>
        Compute(oldVsNew.AccNew, oldVsNew.Nfr, oldVsNew.Pfr, oldVsCompat.AccNew, oldVsCompat.Nfr, oldVsCompat.Pfr);

    public static CompatibilityDeltas From(ContinuousFlipMetrics oldVsNew, ContinuousFlipMetrics oldVsCompat) =>
        Compute(oldVsNew.ScoreNew, oldVsNew.Nfr, oldVsNew.Pfr, oldVsCompat.ScoreNew, oldVsCompat.Nfr, oldVsCompat.Pfr,
            oldVsNew.Mg, oldVsNew.Mr, oldVsCompat.Mg, oldVsCompat.Mr);
}
