using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Muscle.Compatibility;
using Muscle.Infrastructure;

namespace Muscle.Reports;

/// <summary>
/// Writes a comparison as a report directory: <c>report.json</c> (the summary keys plus flip tables, intervals,
/// every negative-flip id and the worst flips), <c>report.md</c>, a self-contained <c>report.html</c> (images
/// embedded as base64 PNG) and the PNGs themselves for the Markdown. The directory is replaced atomically.
/// </summary>
public static class CompatibilityReport
{
    public const int WorstFlipsShown = 20;
    private const int TextLimit = 400;

    public static IReadOnlyList<string> Write(string directory, ComparisonResult result)
    {
        ArgumentNullException.ThrowIfNull(directory);
        ArgumentNullException.ThrowIfNull(result);
        var images = ReportPlots.Render(result);
        var worst = result.WorstNegativeFlips(WorstFlipsShown);
        var files = new List<string> { "report.json", "report.md", "report.html" };
        files.AddRange(images.Select(i => i.FileName));
        AtomicFile.WriteDirectory(directory, tmp =>
        {
            File.WriteAllText(Path.Combine(tmp, "report.json"), Json(result, worst), new UTF8Encoding(false));
            File.WriteAllText(Path.Combine(tmp, "report.md"), Markdown(result, worst, images), new UTF8Encoding(false));
            File.WriteAllText(Path.Combine(tmp, "report.html"), Html(result, worst, images), new UTF8Encoding(false));
            foreach (var image in images) File.WriteAllBytes(Path.Combine(tmp, image.FileName), image.Png);
        });
        return files;
    }

    public static string Json(ComparisonResult r, IReadOnlyList<FlipExample> worst)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WritePropertyName("summary");
            ComparisonSummary.WriteJson(w, r);
            w.WriteString("metric_rule", r.MetricRule);
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

    private static string Title(ComparisonResult r) =>
        $"Compatibility report: {Path.GetFileName(r.Predictions.OldSet.File)} → {Path.GetFileName(r.Predictions.NewSet.File)}"
        + (r.Predictions.CompatSet is { } c ? $" (compat {Path.GetFileName(c.File)})" : "");

    public static string Markdown(ComparisonResult r, IReadOnlyList<FlipExample> worst, IReadOnlyList<ReportImage> images)
    {
        var sb = new StringBuilder();
        sb.AppendLine($"# {Title(r)}").AppendLine();
        sb.AppendLine($"Metric: `{r.Metric.Name()}` ({r.MetricRule}). N = {r.N}. Rates in %; intervals are Wilson 95 %.").AppendLine();
        sb.AppendLine("| metric | value | 95 % interval |").AppendLine("|---|---|---|");
        foreach (var row in ComparisonSummary.Rows(r))
            sb.AppendLine($"| {Md(row.Name)} | {Md(row.Value)} | {Md(row.Interval)} |");
        sb.AppendLine();
        foreach (var image in images)
            sb.AppendLine($"![{image.Caption}]({image.FileName})").AppendLine();
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

    public static string Html(ComparisonResult r, IReadOnlyList<FlipExample> worst, IReadOnlyList<ReportImage> images)
    {
        var sb = new StringBuilder();
        sb.AppendLine("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">");
        sb.AppendLine($"<title>{H(Title(r))}</title>");
        sb.AppendLine("<style>body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}"
                      + "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:.3em .6em;text-align:left;vertical-align:top}"
                      + "th{background:#f3f3f3}td.num{text-align:right;font-variant-numeric:tabular-nums}"
                      + "figure{display:inline-block;margin:.5em}figcaption{font-size:.9em;color:#555}"
                      + ".txt{max-width:28em;white-space:pre-wrap;word-break:break-word}</style></head><body>");
        sb.AppendLine($"<h1>{H(Title(r))}</h1>");
        sb.AppendLine($"<p>Metric <code>{H(r.Metric.Name())}</code> ({H(r.MetricRule)}). N = {r.N}. Rates in %; intervals are Wilson 95 %.</p>");
        sb.AppendLine("<table><tr><th>metric</th><th>value</th><th>95 % interval</th></tr>");
        foreach (var row in ComparisonSummary.Rows(r))
            sb.AppendLine($"<tr><td>{H(row.Name)}</td><td class=\"num\">{H(row.Value)}</td><td class=\"num\">{H(row.Interval)}</td></tr>");
        sb.AppendLine("</table>");
        foreach (var image in images)
            sb.AppendLine($"<figure><img alt=\"{H(image.Caption)}\" width=\"640\" src=\"data:image/png;base64,{Convert.ToBase64String(image.Png)}\">"
                          + $"<figcaption>{H(image.Caption)}</figcaption></figure>");
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

    private static string H(string? s) => WebUtility.HtmlEncode(s ?? "");

    private static string Md(string? s) => Cut(s).ReplaceLineEndings(" ").Replace("|", "\\|", StringComparison.Ordinal);
}
