using System.Globalization;
using System.Text;
using Muscle.Compatibility;
using Muscle.Infrastructure;

namespace Muscle.Reports;

/// <summary>
/// The front page of a run directory (<c>muscle demo</c>, <c>update</c>, <c>ablate</c>): <c>index.html</c> with one table per
/// section, a row per report — the verdict coloured by outcome, the task linking to its report, strategy, seed, NFR, NFR_c, Δ%NFR_c and ΔNFR_c with paired bootstrap 95 % intervals,
/// and the accuracy change of the fix.
/// </summary>
public static class RunIndex
{
    public const string FileName = "index.html";

    /// <summary>Writes <c>index.html</c> into <paramref name="directory"/> (atomically) and returns its path.</summary>
    public static string Write(string directory, string title, IReadOnlyList<RunIndexEntry> entries, string? note = null)
    {
        ArgumentNullException.ThrowIfNull(directory);
        ArgumentNullException.ThrowIfNull(entries);
        var path = Path.Combine(directory, FileName);
        AtomicFile.WriteAllText(path, Html(title, entries, note));
        return path;
    }

    public static string Html(string title, IReadOnlyList<RunIndexEntry> entries, string? note = null)
    {
        ArgumentNullException.ThrowIfNull(entries);
        var sb = new StringBuilder();
        sb.AppendLine("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">");
        sb.AppendLine($"<title>{H(title)}</title><style>{CompatibilityReport.Css}table.index{{font-size:.92em}}</style></head><body>");
        sb.AppendLine("<div class=\"kicker\">Run index</div>");
        sb.AppendLine($"<h1>{H(title)}</h1>");
        if (note is not null) sb.AppendLine($"<p class=\"sub\">{H(note)}</p>");
        var pages = entries.Select(e => (Entry: e, Page: new ReportPage(e.Result, e.Context))).ToList();
        var counts = pages.GroupBy(p => p.Page.Verdict.Outcome).ToDictionary(g => g.Key, g => g.Count());
        sb.AppendLine($"<p>{entries.Count} report(s): "
                      + string.Join(", ", counts.OrderBy(c => c.Key).Select(c => $"{c.Value} {H(pages.First(p => p.Page.Verdict.Outcome == c.Key).Page.Verdict.Label)}"))
                      + ". The verdict reads the paired bootstrap 95 % interval of ΔNFR_c = NFR_c − NFR: below 0 fewer negative flips, "
                      + "above 0 more, otherwise not distinguishable. Rates in %, differences in percentage points (pts).</p>");
        foreach (var section in pages.GroupBy(p => p.Entry.Section))
        {
            sb.AppendLine($"<h2>{H(section.Key)}</h2>");
            sb.AppendLine("<table class=\"index\"><tr><th>verdict</th><th>report</th><th>strategy</th><th>seed</th><th>metric</th><th>N</th>"
                          + "<th>NFR old→new</th><th>NFR_c with the fix</th><th>Δ%NFR_c [95 % CI]</th><th>ΔNFR_c [95 % CI]</th>"
                          + "<th>score old → new → fix</th><th>fix − new</th></tr>");
            foreach (var (e, page) in section)
            {
                var r = e.Result;
                var v = page.Verdict;
                var cb = v.CompatBootstrap;
                var x = r.Deltas;
                var raw = r.Metric == CompareMetric.Score;
                string S(double? s) => s is not { } d ? "n/a" : raw ? d.ToString("0.####", CultureInfo.InvariantCulture) : ComparisonSummary.Pct(d);
                var pct = x?.DeltaPctNfrC is { } p
                    ? H(Signed(p) + " %") + (cb?.DeltaPctNfrC is { } pc ? H2(ComparisonSummary.SignedInterval(pc)) : "")
                    : "n/a";
                var pts = x is null || cb is null ? "n/a"
                    : H(ComparisonSummary.Pts(x.DeltaNfrC)) + H2(ComparisonSummary.SignedInterval(new RateInterval(100 * cb.DeltaNfrC.Lower, 100 * cb.DeltaNfrC.Upper)));
                var fixMinusNew = r.DeltaScoreC is { } dc
                    ? raw ? dc.ToString("+0.####;-0.####;0", CultureInfo.InvariantCulture) : ComparisonSummary.Pts(dc)
                    : "n/a";
                sb.AppendLine($"<tr><td><span class=\"tag\" style=\"--c:{v.ColorHex}\">{H(v.Label)}</span></td>"
                              + $"<td><a href=\"{H(e.Href)}\">{H(e.Context.Task ?? page.Title)}</a></td><td>{H(e.Context.Strategy)}</td>"
                              + $"<td class=\"num\">{H(e.Context.Seed?.ToString(CultureInfo.InvariantCulture))}</td><td>{H(r.Metric.Name())}</td>"
                              + $"<td class=\"num\">{r.N}</td><td class=\"num\">{ComparisonSummary.Pct(r.Nfr)}</td>"
                              + $"<td class=\"num\">{(x is null ? "n/a" : ComparisonSummary.Pct(x.NfrC))}</td><td class=\"num\">{pct}</td>"
                              + $"<td class=\"num\">{pts}</td><td class=\"num\">{H($"{S(r.ScoreOld)} → {S(r.ScoreNew)} →")}<br>{H(S(r.ScoreCompat))}</td>"
                              + $"<td class=\"num\">{H(fixMinusNew)}</td></tr>");
            }
            sb.AppendLine("</table>");
        }
        sb.AppendLine("</body></html>");
        return sb.ToString();
    }

    private static string Signed(double v) => v.ToString("+0.00;-0.00;0.00", CultureInfo.InvariantCulture);

    private static string H(string? s) => CompatibilityReport.H(s);

    /// <summary>An interval on its own line under the value, so the table stays narrow.</summary>
    private static string H2(string s) => $"<br><small>{H(s)}</small>";
}
