using System.Globalization;
using System.Text;
using System.Text.Json;
using Muscle.Compatibility;

namespace Muscle.Reports;

/// <summary>
/// The summary of a comparison in the two forms users see: the snake_case JSON object of <c>muscle compare
/// --json</c> (rates as fractions in [0, 1]; <c>delta_pct_nfr_c</c> is a percentage; undefined values are null)
/// and rows for tables, rates in % and differences of rates in percentage points ("pts").
/// </summary>
public static class ComparisonSummary
{
    public static string ToJson(ComparisonResult r, bool indented = false)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms, new JsonWriterOptions { Indented = indented }))
            WriteJson(w, r);
        return Encoding.UTF8.GetString(ms.ToArray());
    }

    /// <summary>Writes the summary keys in a fixed order (the order of <c>muscle compare --json</c>).</summary>
    public static void WriteJson(Utf8JsonWriter w, ComparisonResult r)
    {
        w.WriteStartObject();
        w.WriteNumber("n", r.N);
        w.WriteString("metric", r.Metric.Name());
        if (r.Discrete is { } d)
        {
            w.WriteNumber("acc_old", d.AccOld);
            w.WriteNumber("acc_new", d.AccNew);
            w.WriteNumber("nfr", d.Nfr);
            w.WriteNumber("pfr", d.Pfr);
            w.WriteNumber("nfr_mc", d.NfrMc);
            Number(w, "btc", d.Btc);
            Number(w, "nfi", d.Nfi);
            w.WriteNumber("mcnemar_p", d.McNemarP);
            if (r.Deltas is { } x)
            {
                w.WriteNumber("acc_compat", x.AccC);
                CompatKeys(w, x);
            }
        }
        else
        {
            var c = r.Continuous!;
            w.WriteNumber("score_old", c.ScoreOld);
            w.WriteNumber("score_new", c.ScoreNew);
            w.WriteNumber("d_pfr", c.Pfr);
            w.WriteNumber("d_nfr", c.Nfr);
            Number(w, "m_g", c.Mg);
            Number(w, "m_r", c.Mr);
            if (r.Deltas is { } x)
            {
                w.WriteNumber("score_compat", x.AccC);
                CompatKeys(w, x);
                // For continuous metrics NFR is the D < 0 rate, so nfr_c and d_nfr_c are the same number;
                // d_nfr_c keeps the d_ prefix that marks D-based rates.
                w.WriteNumber("d_nfr_c", x.NfrC);
                Number(w, "delta_m_g", x.DeltaMg);
                Number(w, "delta_m_r", x.DeltaMr);
            }
        }
        w.WriteEndObject();
    }

    private static void CompatKeys(Utf8JsonWriter w, CompatibilityDeltas x)
    {
        w.WriteNumber("nfr_c", x.NfrC);
        w.WriteNumber("delta_nfr_c", x.DeltaNfrC);
        Number(w, "delta_pct_nfr_c", x.DeltaPctNfrC);
        w.WriteNumber("delta_acc_c", x.DeltaAccC);
        w.WriteNumber("pfr_c", x.PfrC);
    }

    internal static void Number(Utf8JsonWriter w, string name, double? value)
    {
        if (value is { } v) w.WriteNumber(name, v);
        else w.WriteNull(name);
    }

    /// <summary>Rows for tables (CLI, Markdown, HTML): rates as percentages with 2 decimals, "n/a" when undefined.</summary>
    public static IReadOnlyList<SummaryRow> Rows(ComparisonResult r)
    {
        var rows = new List<SummaryRow> { new("N", r.N.ToString(CultureInfo.InvariantCulture)), new("metric", r.Metric.Name()) };
        if (r.Discrete is { } d)
        {
            var t = d.Table;
            rows.Add(new("acc_old", Pct(d.AccOld), Ci(d.AccOldInterval)));
            rows.Add(new("acc_new", Pct(d.AccNew), Ci(d.AccNewInterval)));
            rows.Add(new("NFR (old right, new wrong)", Pct(d.Nfr), Ci(d.NfrInterval)));
            rows.Add(new("PFR (old wrong, new right)", Pct(d.Pfr), Ci(d.PfrInterval)));
            rows.Add(new("NFR_mc (new wrong, answer changed)", Pct(d.NfrMc)));
            rows.Add(new("BTC", Pct(d.Btc), d.BtcInterval is { } b ? Ci(b) : ""));
            rows.Add(new("NFI", Pct(d.Nfi)));
            rows.Add(new("McNemar exact p (old vs new)", P(d.McNemarP)));
            rows.Add(new("flip table n11 / n10 / n01 / n00", $"{t.N11} / {t.N10} / {t.N01} / {t.N00}"));
            if (r.Deltas is { } x)
            {
                rows.Add(new("acc_c", Pct(x.AccC), Ci(r.DiscreteCompat!.AccNewInterval)));
                CompatRows(rows, r, x, Pts);
            }
        }
        else
        {
            var c = r.Continuous!;
            // ROUGE scores are fractions shown as points; a file's own "score" has its own scale, shown raw.
            Func<double?, string> sv = r.Metric == CompareMetric.Score ? Raw : Pct;
            rows.Add(new("score_old (mean S)", sv(c.ScoreOld)));
            rows.Add(new("score_new (mean S)", sv(c.ScoreNew)));
            rows.Add(new("PFR (D > 0)", Pct(c.Pfr), Ci(c.PfrInterval)));
            rows.Add(new("NFR (D < 0)", Pct(c.Nfr), Ci(c.NfrInterval)));
            // m_g and m_r are means of S differences: points of the metric (raw for a file's own score).
            Func<double?, string> dv = r.Metric == CompareMetric.Score ? Raw : Pts;
            rows.Add(new("m_g (mean gain)", dv(c.Mg)));
            rows.Add(new("m_r (mean drop)", dv(c.Mr)));
            if (r.Deltas is { } x)
            {
                rows.Add(new("score_c (mean S)", sv(x.AccC)));
                CompatRows(rows, r, x, dv);
                rows.Add(new("Δm_g", dv(x.DeltaMg)));
                rows.Add(new("Δm_r", dv(x.DeltaMr)));
            }
        }
        return rows;
    }

    /// <param name="dv">Formats a difference of scores: points, or raw for a file's own score.</param>
    private static void CompatRows(List<SummaryRow> rows, ComparisonResult r, CompatibilityDeltas x, Func<double?, string> dv)
    {
        var nfrCi = r.DiscreteCompat?.NfrInterval ?? r.ContinuousCompat!.NfrInterval;
        var pfrCi = r.DiscreteCompat?.PfrInterval ?? r.ContinuousCompat!.PfrInterval;
        rows.Add(new(r.Discrete is null ? "Δscore_c (c − new)" : "Δacc_c (c − new, points)", dv(x.DeltaAccC)));
        rows.Add(new("NFR_c (old vs c)", Pct(x.NfrC), Ci(nfrCi)));
        rows.Add(new("ΔNFR_c (points)", Pts(x.DeltaNfrC)));
        rows.Add(new("Δ%NFR_c (relative to NFR)", x.DeltaPctNfrC is { } p ? p.ToString("0.00", CultureInfo.InvariantCulture) + " %" : "n/a"));
        rows.Add(new("PFR_c (old vs c)", Pct(x.PfrC), Ci(pfrCi)));
        rows.Add(new("ΔPFR_c (points)", Pts(x.DeltaPfrC)));
        rows.Add(new("McNemar exact p (negative flips new vs c)", P(r.CompatMcNemarP!.Value)));
    }

    /// <summary>A fraction as a percentage with 2 decimals; "n/a" when undefined.</summary>
    public static string Pct(double? fraction) =>
        fraction is { } f ? (100 * f).ToString("0.00", CultureInfo.InvariantCulture) + " %" : "n/a";

    /// <summary>
    /// A difference of two rates (fractions) in percentage points with its sign and 2 decimals ("+1.00 pts", "-0.50 pts");
    /// "n/a" when undefined. Points are not percent: 10 % → 12 % is +2 pts but +20 %.
    /// </summary>
    public static string Pts(double? fraction) =>
        fraction is { } f ? (100 * f).ToString("+0.00;-0.00;0.00", CultureInfo.InvariantCulture) + " pts" : "n/a";

    /// <summary>
    /// An interval of a signed quantity already in display units (Δ%NFR_c in %, or 100× a difference of rates in points),
    /// both bounds signed with 2 decimals: "[-60.00, -12.50]". The run index and the ablate/update tables print it.
    /// </summary>
    public static string SignedInterval(RateInterval i) =>
        $"[{i.Lower.ToString("+0.00;-0.00;0.00", CultureInfo.InvariantCulture)}, {i.Upper.ToString("+0.00;-0.00;0.00", CultureInfo.InvariantCulture)}]";

    private static string Raw(double? v) => v is { } x ? x.ToString("0.0000", CultureInfo.InvariantCulture) : "n/a";

    private static string Ci(RateInterval i) =>
        $"[{(100 * i.Lower).ToString("0.00", CultureInfo.InvariantCulture)}, {(100 * i.Upper).ToString("0.00", CultureInfo.InvariantCulture)}] %";

    private static string P(double p) => p.ToString(p < 1e-4 ? "0.00e+0" : "0.0000", CultureInfo.InvariantCulture);
}
