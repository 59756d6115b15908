using System.Text;
using Muscle.Infrastructure;
using Muscle.LmEval;

namespace Muscle.Reports;

/// <summary>
/// The report directory of an lm-eval comparison (<c>muscle compare --report</c> on lm-eval logs): the summary across
/// tasks as <c>summary.json</c> (<see cref="LmEvalSummary.ToJson"/>), <c>summary.md</c> and a self-contained
/// <c>summary.html</c> (the terminal's per-task table with its pooled row, the macro averages, the notes and each task's
/// metric rule, tasks linking to their reports), and one <see cref="CompatibilityReport"/> directory per task. With a
/// compatibility run the pages add the compat table (<see cref="LmEvalSummary.CompatRows"/>: NFR, NFR_c, ΔNFR_c, Δ%NFR_c
/// with paired bootstrap intervals) and each task's report is the three-model one, with its verdict. The
/// directory is replaced as a whole (<see cref="AtomicFile.WriteDirectory"/>).
/// </summary>
public static class LmEvalReport
{
    public const string Units = "Scores and rates in %; Δ new − old and its interval in percentage points (pts); "
                                + "intervals: paired bootstrap percentile 95 % (per task; the pooled row resamples each task on its own).";

    public static void Write(string directory, LmEvalComparison comparison)
    {
        ArgumentNullException.ThrowIfNull(directory);
        ArgumentNullException.ThrowIfNull(comparison);
        AtomicFile.WriteDirectory(directory, tmp =>
        {
            foreach (var t in comparison.Tasks)
                CompatibilityReport.Write(Path.Combine(tmp, TaskDirectory(t.Task)), t.Result);
            File.WriteAllText(Path.Combine(tmp, "summary.json"), LmEvalSummary.ToJson(comparison, indented: true) + "\n", new UTF8Encoding(false));
            File.WriteAllText(Path.Combine(tmp, "summary.md"), Markdown(comparison), new UTF8Encoding(false));
            File.WriteAllText(Path.Combine(tmp, "summary.html"), Html(comparison), new UTF8Encoding(false));
        });
    }

    /// <summary>The task's directory name: letters, digits, '-', '_' and '.' kept, anything else '_'.</summary>
    public static string TaskDirectory(string task)
    {
        ArgumentNullException.ThrowIfNull(task);
        return string.Concat(task.Select(ch => char.IsAsciiLetterOrDigit(ch) || ch is '-' or '_' or '.' ? ch : '_'));
    }

    public const string CompatUnits = "Compatibility model: NFR = old → new, NFR_c = old → compat; ΔNFR_c = NFR_c − NFR in points, "
                                      + "Δ%NFR_c = 100·ΔNFR_c/NFR in % (n/a when NFR = 0); intervals from one paired bootstrap keeping "
                                      + "old, new and compat of an item together.";

    private static string Title(LmEvalComparison c) =>
        $"lm-eval: {Name(c.OldPath)} → {Name(c.NewPath)}" + (c.CompatPath is { } p ? $" (compat {Name(p)})" : "") + $", {c.Tasks.Count} task(s)";

    private static string Name(string path) => Path.GetFileName(Path.TrimEndingDirectorySeparator(path));

    private static IEnumerable<string> Footer(LmEvalComparison c)
    {
        yield return LmEvalSummary.MacroLine(c.Summary);
        if (LmEvalSummary.CompatMacroLine(c.Summary) is { } compat) yield return compat;
        foreach (var t in c.Tasks) yield return $"{t.Task}: {t.Result.MetricRule}";
        if (c.Summary.Bootstrap is { } b) yield return $"bootstrap: {b.Resamples} paired resamples, seed {b.Seed}";
        foreach (var note in c.Notes) yield return "note: " + note;
    }

    public static string Markdown(LmEvalComparison c)
    {
        ArgumentNullException.ThrowIfNull(c);
        var sb = new StringBuilder();
        sb.AppendLine($"# {Title(c)}").AppendLine();
        sb.AppendLine($"Old `{c.OldPath}`, new `{c.NewPath}`" + (c.CompatPath is { } p ? $", compat `{p}`" : "") + $". {Units}").AppendLine();
        MarkdownTable(sb, c, LmEvalSummary.Columns, LmEvalSummary.Rows(c));
        if (c.HasCompat)
        {
            sb.AppendLine($"## Compatibility model").AppendLine().AppendLine(CompatUnits).AppendLine();
            MarkdownTable(sb, c, LmEvalSummary.CompatColumns, LmEvalSummary.CompatRows(c));
        }
        foreach (var line in Footer(c)) sb.AppendLine($"- {Md(line)}");
        return sb.ToString();
    }

    private static void MarkdownTable(StringBuilder sb, LmEvalComparison c, IReadOnlyList<string> columns, IReadOnlyList<IReadOnlyList<string>> rows)
    {
        sb.AppendLine("| " + string.Join(" | ", columns) + " |");
        sb.AppendLine("|" + string.Concat(columns.Select(_ => "---|")));
        for (var i = 0; i < rows.Count; i++)
        {
            var cells = rows[i].Select(Md).ToList();
            if (i < c.Tasks.Count) cells[0] = $"[{cells[0]}]({TaskDirectory(c.Tasks[i].Task)}/report.md)";
            sb.AppendLine("| " + string.Join(" | ", cells) + " |");
        }
        sb.AppendLine();
    }

    public static string Html(LmEvalComparison c)
    {
        ArgumentNullException.ThrowIfNull(c);
        var sb = new StringBuilder();
        sb.AppendLine("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">");
        sb.AppendLine($"<title>{H(Title(c))}</title><style>{CompatibilityReport.Css}</style></head><body>");
        sb.AppendLine("<div class=\"kicker\">lm-eval comparison · summary across tasks</div>");
        sb.AppendLine($"<h1>{H(Title(c))}</h1>");
        sb.AppendLine($"<p class=\"sub\">old {H(c.OldPath)} · new {H(c.NewPath)}" + (c.CompatPath is { } p ? $" · compat {H(p)}" : "") + "</p>");
        sb.AppendLine($"<p>{H(Units)}</p>");
        HtmlTable(sb, c, "summary", LmEvalSummary.Columns, LmEvalSummary.Rows(c), firstNumeric: 3);
        if (c.HasCompat)
        {
            sb.AppendLine("<h2>Compatibility model</h2>");
            sb.AppendLine($"<p>{H(CompatUnits)}</p>");
            HtmlTable(sb, c, "compat", LmEvalSummary.CompatColumns, LmEvalSummary.CompatRows(c), firstNumeric: 1);
        }
        sb.AppendLine("<ul>");
        foreach (var line in Footer(c)) sb.AppendLine($"<li>{H(line)}</li>");
        sb.AppendLine("</ul></body></html>");
        return sb.ToString();
    }

    private static void HtmlTable(
        StringBuilder sb, LmEvalComparison c, string id, IReadOnlyList<string> columns, IReadOnlyList<IReadOnlyList<string>> rows, int firstNumeric)
    {
        sb.Append($"<table id=\"{id}\"><tr>");
        foreach (var column in columns) sb.Append($"<th>{H(column)}</th>");
        sb.AppendLine("</tr>");
        for (var i = 0; i < rows.Count; i++)
        {
            sb.Append(i < c.Tasks.Count ? "<tr>" : "<tr class=\"pooled\" style=\"font-weight:600\">");
            for (var k = 0; k < rows[i].Count; k++)
            {
                var cell = H(rows[i][k]);
                if (k == 0 && i < c.Tasks.Count) cell = $"<a href=\"{H(TaskDirectory(c.Tasks[i].Task))}/report.html\">{cell}</a>";
                sb.Append(k >= firstNumeric ? $"<td class=\"num\">{cell}</td>" : $"<td>{cell}</td>");
            }
            sb.AppendLine("</tr>");
        }
        sb.AppendLine("</table>");
    }

    private static string H(string? s) => CompatibilityReport.H(s);

    private static string Md(string s) => s.ReplaceLineEndings(" ").Replace("|", "\\|", StringComparison.Ordinal);
}
