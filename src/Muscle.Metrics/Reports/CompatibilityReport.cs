using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Muscle.Compatibility;
using Muscle.Infrastructure;

namespace Muscle.Reports;

/// <summary>
/// Writes a comparison as a report directory: <c>report.json</c> (the summary keys plus what the report is about, the
/// verdict, flip tables, intervals, every negative-flip id and the worst flips), <c>report.md</c>, a self-contained
/// <c>report.html</c> (images embedded as base64 PNG) and the PNGs themselves for the Markdown. Each page opens with a
/// title naming the task, the models and the strategy, and the verdict (<see cref="CompatibilityVerdict"/>): did the
/// fix remove negative flips. The directory is replaced atomically.
/// </summary>
public static class CompatibilityReport
{
    public const int WorstFlipsShown = 20;
    private const int TextLimit = 400;

    /// <param name="context">What the comparison is about; null: only the prediction files are known (<c>muscle compare</c>).</param>
    public static IReadOnlyList<string> Write(string directory, ComparisonResult result, ReportContext? context = null)
    {
        ArgumentNullException.ThrowIfNull(directory);
        ArgumentNullException.ThrowIfNull(result);
        var page = new ReportPage(result, context ?? ReportContext.None);
        var images = ReportPlots.Render(result);
        var worst = result.WorstNegativeFlips(WorstFlipsShown);
        var files = new List<string> { "report.json", "report.md", "report.html" };
        files.AddRange(images.Select(i => i.FileName));
        AtomicFile.WriteDirectory(directory, tmp =>
        {
            File.WriteAllText(Path.Combine(tmp, "report.json"), Json(page, worst), new UTF8Encoding(false));
            File.WriteAllText(Path.Combine(tmp, "report.md"), Markdown(page, worst, images), new UTF8Encoding(false));
            File.WriteAllText(Path.Combine(tmp, "report.html"), Html(page, worst, images), new UTF8Encoding(false));
            foreach (var image in images) File.WriteAllBytes(Path.Combine(tmp, image.FileName), image.Png);
        });
        return files;
    }

    public static string Json(ReportPage page, IReadOnlyList<FlipExample> worst)
    {
        ArgumentNullException.ThrowIfNull(page);
        var r = page.Result;
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WritePropertyName("summary");
            ComparisonSummary.WriteJson(w, r);
            w.WriteString("metric_rule", r.MetricRule);
            w.WriteString("title", page.Title);
            w.WriteStartObject("context");
            w.WriteString("task", page.Context.Task);
            w.WriteString("old_model", page.Context.OldModel);
            w.WriteString("new_model", page.Context.NewModel);
            w.WriteString("strategy", page.Context.Strategy);
            if (page.Context.Seed is { } seed) w.WriteNumber("seed", seed);
            else w.WriteNull("seed");
            w.WriteEndObject();
            Verdict(w, page.Verdict);
            w.WriteStartObject("files");
            w.WriteString("old", r.Predictions.OldSet.File);
            w.WriteString("new", r.Predictions.NewSet.File);
            if (r.Predictions.CompatSet is { } cs) w.WriteString("compat", cs.File);
            w.WriteEndObject();
            if (r.Discrete is { } d)
            {
                Table(w, "flip_table", d.Table);
                Intervals(w, "intervals", ("acc_old", d.AccOldInterval), ("acc_new", d.AccNewInterval),
                    ("nfr", d.NfrInterval), ("pfr", d.PfrInterval), ("btc", d.BtcInterval));
                if (r.DiscreteCompat is { } dc)
                {
                    Table(w, "flip_table_compat", dc.Table);
                    Intervals(w, "intervals_compat", ("acc_compat", dc.AccNewInterval), ("nfr_c", dc.NfrInterval),
                        ("pfr_c", dc.PfrInterval), ("btc_c", dc.BtcInterval));
                    w.WriteNumber("nfr_mc_c", dc.NfrMc);
                }
            }
            else
            {
                var c = r.Continuous!;
                w.WriteNumber("improved", c.Improved);
                w.WriteNumber("regressed", c.Regressed);
                Intervals(w, "intervals", ("d_pfr", c.PfrInterval), ("d_nfr", c.NfrInterval));
                if (r.ContinuousCompat is { } cc)
                    Intervals(w, "intervals_compat", ("pfr_c", cc.PfrInterval), ("nfr_c", cc.NfrInterval));
            }
            if (r.Deltas is { } x)
            {
                w.WriteNumber("delta_pfr_c", x.DeltaPfrC);
                w.WriteNumber("mcnemar_p_negative_flips_new_vs_c", r.CompatMcNemarP!.Value);
            }
            w.WriteStartArray("negative_flip_ids");
            for (var i = 0; i < r.N; i++)
                if (r.ScoresNew[i] < r.ScoresOld[i]) w.WriteStringValue(r.Predictions.Old[i].Id);
            w.WriteEndArray();
            w.WriteStartArray("worst_negative_flips");
            foreach (var f in worst)
            {
                w.WriteStartObject();
                w.WriteString("id", f.Id);
                w.WriteString("input", f.Input);
                w.WriteString("gold", f.Gold);
                w.WriteString("old", f.OldOutput);
                w.WriteString("new", f.NewOutput);
                if (r.HasCompat) w.WriteString("compat", f.CompatOutput);
                w.WriteNumber("s_old", f.ScoreOld);
                w.WriteNumber("s_new", f.ScoreNew);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(ms.ToArray()) + "\n";
    }

    private static void Verdict(Utf8JsonWriter w, CompatibilityVerdict v)
    {
        w.WriteStartObject("verdict");
        w.WriteString("outcome", v.Label);
        w.WriteString("headline", v.Headline);
        w.WriteStartArray("lines");
        foreach (var line in v.Lines) w.WriteStringValue(line);
        w.WriteEndArray();
        w.WriteNumber("bootstrap_resamples", v.Bootstrap.Resamples);
        w.WriteNumber("bootstrap_seed", v.Bootstrap.Seed);
        if (v.CompatBootstrap is { } cb)
            Intervals(w, "bootstrap_intervals", ("nfr", cb.Nfr), ("nfr_c", cb.NfrC), ("delta_nfr_c", cb.DeltaNfrC),
                ("delta_pct_nfr_c_percent", cb.DeltaPctNfrC), ("delta_score_new", cb.DeltaScoreNew), ("delta_score_c", cb.DeltaScoreC));
        else
            Intervals(w, "bootstrap_intervals", ("nfr", v.Bootstrap.Nfr), ("delta_score_new", v.Bootstrap.DeltaScore));
        w.WriteEndObject();
    }

    private static void Table(Utf8JsonWriter w, string name, FlipTable t)
    {
        w.WriteStartObject(name);
        w.WriteNumber("n11", t.N11);
        w.WriteNumber("n10", t.N10);
        w.WriteNumber("n01", t.N01);
        w.WriteNumber("n00", t.N00);
        w.WriteEndObject();
    }

    private static void Intervals(Utf8JsonWriter w, string name, params (string Key, RateInterval? Ci)[] items)
    {
        w.WriteStartObject(name);
        foreach (var (key, ci) in items)
        {
            if (ci is not { } c) { w.WriteNull(key); continue; }
            w.WriteStartArray(key);
            w.WriteNumberValue(c.Lower);
            w.WriteNumberValue(c.Upper);
            w.WriteEndArray();
        }
        w.WriteEndObject();
    }

    public static string Markdown(ReportPage page, IReadOnlyList<FlipExample> worst, IReadOnlyList<ReportImage> images)
    {
        ArgumentNullException.ThrowIfNull(page);
        var r = page.Result;
        var v = page.Verdict;
        var sb = new StringBuilder();
        sb.AppendLine($"# {page.Title}").AppendLine();
        sb.AppendLine(page.Subtitle).AppendLine();
        sb.AppendLine($"> **Verdict: {v.Label}.** {Md(v.Headline)}").AppendLine(">");
        foreach (var line in v.Lines) sb.AppendLine($"> - {Md(line)}");
        sb.AppendLine(">").AppendLine($"> Intervals: paired bootstrap over items, {v.Bootstrap.Resamples} resamples, seed {v.Bootstrap.Seed}.").AppendLine();
        sb.AppendLine($"Colours: old {ReportColors.OldHex}, new {ReportColors.NewHex}, compat {ReportColors.CompatHex} on every plot.").AppendLine();
        foreach (var image in images)
            sb.AppendLine($"![{image.Caption}]({image.FileName})").AppendLine();
        sb.AppendLine("## All metrics").AppendLine();
        sb.AppendLine($"Metric: `{r.Metric.Name()}` ({r.MetricRule}). {Units}").AppendLine();
        sb.AppendLine("| metric | value | 95 % interval |").AppendLine("|---|---|---|");
        foreach (var row in ComparisonSummary.Rows(r))
            sb.AppendLine($"| {Md(row.Name)} | {Md(row.Value)} | {Md(row.Interval)} |");
        sb.AppendLine();
        sb.AppendLine($"## Worst negative flips ({worst.Count} shown)").AppendLine();
        if (worst.Count == 0) sb.AppendLine("None.");
        else
        {
            var compat = r.HasCompat ? " compat |" : "";
            sb.AppendLine($"| id | input | gold | old | new |{compat} S old | S new |");
            sb.AppendLine("|---|---|---|---|---|" + (r.HasCompat ? "---|" : "") + "---|---|");
            foreach (var f in worst)
                sb.AppendLine($"| {Md(f.Id)} | {Md(f.Input)} | {Md(f.Gold)} | {Md(f.OldOutput)} | {Md(f.NewOutput)} |"
                              + (r.HasCompat ? $" {Md(f.CompatOutput)} |" : "") + $" {F(f.ScoreOld)} | {F(f.ScoreNew)} |");
        }
        return sb.ToString();
    }

    private const string Units = "Rates in %; differences of rates in percentage points (pts); Δ%NFR_c is relative to NFR, in %. "
                                 + "Intervals in this table are Wilson 95 %.";

    /// <summary>The page style shared by reports and the run index.</summary>
    internal const string Css =
        "body{font-family:system-ui,sans-serif;max-width:1320px;margin:1.5em auto;padding:0 1em;color:#222}"
        + "h1{margin:.1em 0 .2em;font-size:1.7em}.kicker{color:#666;text-transform:uppercase;letter-spacing:.06em;font-size:.8em}"
        + ".sub{color:#555;margin:0 0 1em}"
        + "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:.3em .6em;text-align:left;vertical-align:top}"
        + "th{background:#f3f3f3}td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}"
        + ".verdict{border-left:10px solid var(--c);background:color-mix(in srgb,var(--c) 9%,white);padding:.7em 1.1em;margin:1em 0}"
        + ".verdict .head{font-size:1.25em;font-weight:600;color:var(--c);margin:.2em 0 .4em}.verdict ul{margin:.3em 0;padding-left:1.3em}"
        + ".verdict .note{color:#555;font-size:.85em}.tag{color:#fff;background:var(--c);border-radius:3px;padding:.1em .45em;white-space:nowrap}"
        + ".sw{display:inline-block;width:.9em;height:.9em;border-radius:2px;vertical-align:-.1em;margin:0 .25em 0 .8em}"
        + "figure{display:inline-block;margin:.5em;vertical-align:top}figcaption{font-size:.9em;color:#555}"
        + ".txt{max-width:28em;white-space:pre-wrap;word-break:break-word}";

    /// <summary>The verdict as an HTML block coloured by its outcome.</summary>
    internal static string VerdictHtml(CompatibilityVerdict v)
    {
        var sb = new StringBuilder();
        sb.AppendLine($"<section class=\"verdict\" id=\"verdict\" data-outcome=\"{H(v.Label)}\" style=\"--c:{v.ColorHex}\">");
        sb.AppendLine($"<div class=\"head\">Verdict: {H(v.Label)}</div><div>{H(v.Headline)}</div><ul>");
        foreach (var line in v.Lines) sb.AppendLine($"<li>{H(line)}</li>");
        sb.AppendLine($"</ul><div class=\"note\">95 % intervals: paired bootstrap over items ({v.Bootstrap.Resamples} resamples, seed {v.Bootstrap.Seed}); "
                      + "“not distinguishable” means the interval includes 0.</div></section>");
        return sb.ToString();
    }

    internal static string SystemLegendHtml() =>
        $"<p>Colours on every plot:<span class=\"sw\" style=\"background:{ReportColors.OldHex}\"></span>old"
        + $"<span class=\"sw\" style=\"background:{ReportColors.NewHex}\"></span>new"
        + $"<span class=\"sw\" style=\"background:{ReportColors.CompatHex}\"></span>compat (with the fix)</p>";

    public static string Html(ReportPage page, IReadOnlyList<FlipExample> worst, IReadOnlyList<ReportImage> images)
    {
        ArgumentNullException.ThrowIfNull(page);
        var r = page.Result;
        var sb = new StringBuilder();
        sb.AppendLine("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">");
        sb.AppendLine($"<title>{H(page.Title)}</title>");
        sb.AppendLine($"<style>{Css}</style></head><body>");
        sb.AppendLine("<div class=\"kicker\">Compatibility report</div>");
        sb.AppendLine($"<h1>{H(page.Title)}</h1>");
        sb.AppendLine($"<p class=\"sub\">{H(page.Subtitle)}</p>");
        sb.Append(VerdictHtml(page.Verdict));
        sb.AppendLine(SystemLegendHtml());
        foreach (var image in images)
            sb.AppendLine($"<figure><img alt=\"{H(image.Caption)}\" width=\"640\" src=\"data:image/png;base64,{Convert.ToBase64String(image.Png)}\">"
                          + $"<figcaption>{H(image.Caption)}</figcaption></figure>");
        sb.AppendLine("<h2>All metrics</h2>");
        sb.AppendLine($"<p>Metric <code>{H(r.Metric.Name())}</code> ({H(r.MetricRule)}). {H(Units)}</p>");
        sb.AppendLine("<table><tr><th>metric</th><th>value</th><th>95 % interval</th></tr>");
        foreach (var row in ComparisonSummary.Rows(r))
            sb.AppendLine($"<tr><td>{H(row.Name)}</td><td class=\"num\">{H(row.Value)}</td><td class=\"num\">{H(row.Interval)}</td></tr>");
        sb.AppendLine("</table>");
        sb.AppendLine($"<h2>Worst negative flips ({worst.Count} shown)</h2>");
        if (worst.Count == 0) sb.AppendLine("<p>None.</p>");
        else
        {
            sb.Append("<table><tr><th>id</th><th>input</th><th>gold</th><th>old</th><th>new</th>");
            if (r.HasCompat) sb.Append("<th>compat</th>");
            sb.AppendLine("<th>S old</th><th>S new</th></tr>");
            foreach (var f in worst)
            {
                sb.Append($"<tr><td>{H(f.Id)}</td><td class=\"txt\">{H(Cut(f.Input))}</td><td class=\"txt\">{H(Cut(f.Gold))}</td>"
                          + $"<td class=\"txt\">{H(Cut(f.OldOutput))}</td><td class=\"txt\">{H(Cut(f.NewOutput))}</td>");
                if (r.HasCompat) sb.Append($"<td class=\"txt\">{H(Cut(f.CompatOutput))}</td>");
                sb.AppendLine($"<td class=\"num\">{F(f.ScoreOld)}</td><td class=\"num\">{F(f.ScoreNew)}</td></tr>");
            }
            sb.AppendLine("</table>");
        }
        sb.AppendLine("</body></html>");
        return sb.ToString();
    }

    private static string F(double v) => v.ToString("0.####", CultureInfo.InvariantCulture);

    private static string Cut(string? s) => s is null ? "" : s.Length <= TextLimit ? s : s[..TextLimit] + "…";

    internal static string H(string? s) => WebUtility.HtmlEncode(s ?? "");

    private static string Md(string? s) => Cut(s).ReplaceLineEndings(" ").Replace("|", "\\|", StringComparison.Ordinal);
}
