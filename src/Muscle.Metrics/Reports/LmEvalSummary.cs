using System.Globalization;
using System.Text;
using System.Text.Json;
using Muscle.Compatibility;
using Muscle.LmEval;

namespace Muscle.Reports;

/// <summary>
/// The two user-facing forms of an lm-eval comparison: a snake_case JSON object (rates and score differences as
/// fractions, undefined values null, intervals as [lower, upper]) and a per-task table with a pooled row: scores and
/// rates in %, the score change Δ = new − old and its interval in percentage points ("pts", as
/// <see cref="ComparisonSummary.Pts"/>: 60 % → 62 % is +2.00 pts, not +2 %). With a compatibility run (<c>--compat</c>)
/// the JSON adds the compat keys of <c>muscle compare --json</c> on predictions JSONL (<c>nfr_c</c>, <c>delta_nfr_c</c>,
/// <c>delta_pct_nfr_c</c>, ...) per task and to the summary, and <see cref="CompatRows"/> gives a second table:
/// NFR (old → new), NFR_c (old → compat), ΔNFR_c and Δ%NFR_c (arXiv 2407.09435, Sec. 5.3) with their paired bootstrap
/// intervals.
/// </summary>
public static class LmEvalSummary
{
    public static string ToJson(LmEvalComparison c, bool indented = false)
    {
        ArgumentNullException.ThrowIfNull(c);
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms, new JsonWriterOptions { Indented = indented }))
        {
            w.WriteStartObject();
            w.WriteString("format", "lm-eval");
            w.WriteString("old", c.OldPath);
            w.WriteString("new", c.NewPath);
            if (c.CompatPath is { } compat) w.WriteString("compat", compat);
            w.WriteStartArray("tasks");
            foreach (var t in c.Tasks) WriteTask(w, t);
            w.WriteEndArray();
            WriteSummary(w, c.Summary);
            w.WriteStartArray("notes");
            foreach (var note in c.Notes) w.WriteStringValue(note);
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(ms.ToArray());
    }

    private static void WriteTask(Utf8JsonWriter w, LmEvalTaskComparison t)
    {
        var r = t.Result;
        w.WriteStartObject();
        w.WriteString("task", t.Task);
        w.WriteString("output_type", t.OutputType);
        w.WriteString("filter", t.Filter);
        w.WriteString("metric", t.Metric);
        w.WriteString("kind", r.IsDiscrete ? "discrete" : "graded");
        w.WriteNumber("n", r.N);
        w.WriteNumber("score_old", r.ScoreOld);
        w.WriteNumber("score_new", r.ScoreNew);
        w.WriteNumber("delta_score", t.DeltaScore);
        w.WriteNumber("nfr", r.Nfr);
        w.WriteNumber("pfr", r.Pfr);
        ComparisonSummary.Number(w, "nfr_mc", r.Discrete?.NfrMc);
        ComparisonSummary.Number(w, "mcnemar_p", r.Discrete?.McNemarP);
        Interval(w, "nfr_wilson", r.Discrete?.NfrInterval ?? r.Continuous!.NfrInterval);
        Bootstrap(w, t.Bootstrap);
        if (r.Deltas is { } x)
        {
            w.WriteNumber("score_compat", x.AccC);
            w.WriteNumber("delta_score_c", r.DeltaScoreC!.Value);
            w.WriteNumber("nfr_c", x.NfrC);
            w.WriteNumber("pfr_c", x.PfrC);
            w.WriteNumber("delta_nfr_c", x.DeltaNfrC);
            ComparisonSummary.Number(w, "delta_pct_nfr_c", x.DeltaPctNfrC);
            w.WriteNumber("mcnemar_p_negative_flips_new_vs_c", r.CompatMcNemarP!.Value);
            CompatBootstrap(w, t.CompatBootstrap);
        }
        w.WriteEndObject();
    }

    private static void WriteSummary(Utf8JsonWriter w, CrossTaskSummary s)
    {
        w.WriteStartObject("summary");
        w.WriteNumber("tasks", s.Tasks);
        w.WriteNumber("n", s.N);
        w.WriteNumber("score_old", s.ScoreOld);
        w.WriteNumber("score_new", s.ScoreNew);
        w.WriteNumber("delta_score", s.DeltaScore);
        w.WriteNumber("nfr", s.Nfr);
        w.WriteNumber("pfr", s.Pfr);
        w.WriteNumber("macro_nfr", s.MacroNfr);
        w.WriteNumber("macro_pfr", s.MacroPfr);
        w.WriteNumber("macro_delta_score", s.MacroDeltaScore);
        Bootstrap(w, s.Bootstrap);
        if (s.Compat is { } x)
        {
            w.WriteNumber("score_compat", x.ScoreC);
            w.WriteNumber("delta_score_c", x.DeltaScoreC);
            w.WriteNumber("nfr_c", x.NfrC);
            w.WriteNumber("pfr_c", x.PfrC);
            w.WriteNumber("delta_nfr_c", x.DeltaNfrC);
            ComparisonSummary.Number(w, "delta_pct_nfr_c", x.DeltaPctNfrC);
            w.WriteNumber("macro_nfr_c", x.MacroNfrC);
            w.WriteNumber("macro_delta_nfr_c", x.MacroDeltaNfrC);
            CompatBootstrap(w, x.Bootstrap);
        }
        w.WriteEndObject();
    }

    /// <summary>The intervals of <see cref="PairedBootstrap.CompatEffect"/>: fractions, <c>delta_pct_nfr_c</c> in % (null when no resample had a flip).</summary>
    private static void CompatBootstrap(Utf8JsonWriter w, CompatibilityBootstrap? b)
    {
        if (b is null)
        {
            w.WriteNull("compat_bootstrap");
            return;
        }
        w.WriteStartObject("compat_bootstrap");
        w.WriteNumber("resamples", b.Resamples);
        w.WriteNumber("seed", b.Seed);
        Interval(w, "nfr", b.Nfr);
        Interval(w, "nfr_c", b.NfrC);
        Interval(w, "delta_nfr_c", b.DeltaNfrC);
        if (b.DeltaPctNfrC is { } pct) Interval(w, "delta_pct_nfr_c", pct);
        else w.WriteNull("delta_pct_nfr_c");
        Interval(w, "delta_score_new", b.DeltaScoreNew);
        Interval(w, "delta_score_c", b.DeltaScoreC);
        w.WriteEndObject();
    }

    private static void Bootstrap(Utf8JsonWriter w, BootstrapIntervals? b)
    {
        if (b is null)
        {
            w.WriteNull("bootstrap");
            return;
        }
        w.WriteStartObject("bootstrap");
        w.WriteNumber("resamples", b.Resamples);
        w.WriteNumber("seed", b.Seed);
        Interval(w, "nfr", b.Nfr);
        Interval(w, "delta_score", b.DeltaScore);
        w.WriteEndObject();
    }

    private static void Interval(Utf8JsonWriter w, string name, RateInterval i)
    {
        w.WriteStartArray(name);
        w.WriteNumberValue(i.Lower);
        w.WriteNumberValue(i.Upper);
        w.WriteEndArray();
    }

    /// <summary>Column headers of <see cref="Rows"/>.</summary>
    public static IReadOnlyList<string> Columns { get; } =
        ["task", "filter", "metric", "N", "old", "new", "Δ new − old", "Δ 95 % boot (pts)", "NFR", "NFR 95 % boot (%)", "PFR", "NFR_mc", "McNemar p"];

    /// <summary>
    /// One row per task and a last row "all tasks (pooled)"; percentages with 2 decimals, Δ in signed points ("+2.00 pts"),
    /// bootstrap intervals as "[lower, upper]" in the unit their column header names.
    /// </summary>
    public static IReadOnlyList<IReadOnlyList<string>> Rows(LmEvalComparison c)
    {
        ArgumentNullException.ThrowIfNull(c);
        var rows = new List<IReadOnlyList<string>>();
        foreach (var t in c.Tasks)
        {
            var r = t.Result;
            rows.Add([
                t.Task, t.Filter, t.Metric, N(r.N), Pct(r.ScoreOld), Pct(r.ScoreNew), ComparisonSummary.Pts(t.DeltaScore), Ci(t.Bootstrap?.DeltaScore),
                Pct(r.Nfr), Ci(t.Bootstrap?.Nfr), Pct(r.Pfr), r.Discrete is { } d ? Pct(d.NfrMc) : "n/a",
                r.Discrete is { } e ? P(e.McNemarP) : "n/a",
            ]);
        }
        var s = c.Summary;
        rows.Add([
            $"all {s.Tasks} tasks (pooled)", "", "", N(s.N), Pct(s.ScoreOld), Pct(s.ScoreNew), ComparisonSummary.Pts(s.DeltaScore), Ci(s.Bootstrap?.DeltaScore),
            Pct(s.Nfr), Ci(s.Bootstrap?.Nfr), Pct(s.Pfr), "", "",
        ]);
        return rows;
    }

    /// <summary>Column headers of <see cref="CompatRows"/>.</summary>
    public static IReadOnlyList<string> CompatColumns { get; } =
    [
        "task", "N", "new", "compat", "Δ compat − new", "NFR", "NFR_c", "NFR_c 95 % boot (%)", "ΔNFR_c", "ΔNFR_c 95 % boot (pts)",
        "Δ%NFR_c", "Δ%NFR_c 95 % boot (%)",
    ];

    /// <summary>
    /// The compatibility table (<c>--compat</c>): one row per task and the pooled row, as <see cref="Rows"/>. NFR is old →
    /// new, NFR_c old → compat, ΔNFR_c = NFR_c − NFR in points, Δ%NFR_c = 100·ΔNFR_c/NFR in % ("n/a" when NFR = 0); the
    /// intervals come from one paired bootstrap over items keeping old, new and compat together. Empty without a compat run.
    /// </summary>
    public static IReadOnlyList<IReadOnlyList<string>> CompatRows(LmEvalComparison c)
    {
        ArgumentNullException.ThrowIfNull(c);
        if (!c.HasCompat) return [];
        var rows = new List<IReadOnlyList<string>>();
        foreach (var t in c.Tasks)
        {
            var r = t.Result;
            var x = r.Deltas!;
            var b = t.CompatBootstrap;
            rows.Add([
                t.Task, N(r.N), Pct(r.ScoreNew), Pct(x.AccC), ComparisonSummary.Pts(r.DeltaScoreC), Pct(r.Nfr), Pct(x.NfrC), Ci(b?.NfrC),
                ComparisonSummary.Pts(x.DeltaNfrC), SignedCi(b?.DeltaNfrC, 100), PctOf(x.DeltaPctNfrC), SignedCi(b?.DeltaPctNfrC, 1),
            ]);
        }
        var s = c.Summary;
        var p = s.Compat!;
        rows.Add([
            $"all {s.Tasks} tasks (pooled)", N(s.N), Pct(s.ScoreNew), Pct(p.ScoreC), ComparisonSummary.Pts(p.DeltaScoreC), Pct(s.Nfr), Pct(p.NfrC),
            Ci(p.Bootstrap?.NfrC), ComparisonSummary.Pts(p.DeltaNfrC), SignedCi(p.Bootstrap?.DeltaNfrC, 100), PctOf(p.DeltaPctNfrC),
            SignedCi(p.Bootstrap?.DeltaPctNfrC, 1),
        ]);
        return rows;
    }

    /// <summary>One line on the macro averages of the compat columns; null without a compat run.</summary>
    public static string? CompatMacroLine(CrossTaskSummary s)
    {
        ArgumentNullException.ThrowIfNull(s);
        return s.Compat is { } x
            ? $"macro average over {s.Tasks} tasks: NFR_c {Pct(x.MacroNfrC)}, ΔNFR_c {ComparisonSummary.Pts(x.MacroDeltaNfrC)}"
            : null;
    }

    /// <summary>One line on the macro averages (the plain mean over tasks) of <see cref="CrossTaskSummary"/>.</summary>
    public static string MacroLine(CrossTaskSummary s)
    {
        ArgumentNullException.ThrowIfNull(s);
        return $"macro average over {s.Tasks} tasks: NFR {Pct(s.MacroNfr)}, PFR {Pct(s.MacroPfr)}, Δ new − old {ComparisonSummary.Pts(s.MacroDeltaScore)}";
    }

    private static string N(int n) => n.ToString(CultureInfo.InvariantCulture);

    private static string Pct(double f) => ComparisonSummary.Pct(f);

    private static string Ci(RateInterval? i) => i is { } x
        ? $"[{(100 * x.Lower).ToString("0.00", CultureInfo.InvariantCulture)}, {(100 * x.Upper).ToString("0.00", CultureInfo.InvariantCulture)}]"
        : "";

    private static string PctOf(double? percent) =>
        percent is { } v ? v.ToString("+0.00;-0.00;0.00", CultureInfo.InvariantCulture) + " %" : "n/a";

    /// <summary>A signed interval scaled to its column's unit (100 for points of a fraction, 1 for a percentage); "" when absent.</summary>
    private static string SignedCi(RateInterval? i, double scale) => i is { } x
        ? ComparisonSummary.SignedInterval(new RateInterval(scale * x.Lower, scale * x.Upper))
        : "";

    private static string P(double p) => p.ToString(p < 1e-4 ? "0.00e+0" : "0.0000", CultureInfo.InvariantCulture);
}
