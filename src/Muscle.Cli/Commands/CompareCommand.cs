using System.CommandLine;
using System.Globalization;
using Muscle.Cli.Infrastructure;
using Muscle.Compatibility;
using Muscle.Infrastructure;
using Muscle.Predictions;
using Muscle.Reports;
using Spectre.Console;

namespace Muscle.Cli.Commands;

/// <summary>
/// <c>muscle compare</c>: how compatible is an update, from the predictions of the old and new model (and
/// optionally a compatibility model) on the same ids. Thin over <see cref="ComparisonRunner"/>.
/// </summary>
public static class CompareCommand
{
    public static Command Create(CliContext ctx)
    {
        var oldOption = new Option<FileInfo>("--old") { Description = "Predictions JSONL of the old model (M_v1).", Required = true };
        var newOption = new Option<FileInfo>("--new") { Description = "Predictions JSONL of the new model (M_v2).", Required = true };
        var compatOption = new Option<FileInfo?>("--compat") { Description = "Predictions JSONL of the compatibility model (M^C_v2): adds NFR_c, ΔNFR_c, Δ%NFR_c, Δacc_c, PFR_c." };
        var metricOption = new Option<string>("--metric")
        {
            Description = "How a prediction is scored: auto|accuracy|exact-match|rouge1|rouge2|rougeL|rougeLsum|score. "
                          + "auto picks accuracy when every line has \"correct\" or gold/prediction are integers, rouge1 (F) "
                          + "when gold/prediction are text, score when lines carry only a numeric \"score\". "
                          + "accuracy and exact-match are discrete (NFR = old right, new wrong); the others give a per-instance "
                          + "S with D = S_new − S_old and NFR = share of D < 0.",
            DefaultValueFactory = _ => "auto",
        };
        metricOption.AcceptOnlyFromAmong([.. CompareMetrics.AllNames]);
        var reportOption = new Option<DirectoryInfo?>("--report") { Description = "Write report.json, report.md and a self-contained report.html (with plots) to this directory." };
        var jsonOption = new Option<bool>("--json") { Description = "Print one JSON object (rates as fractions in [0, 1]) instead of the table." };
        var failOption = new Option<double?>("--fail-on-nfr")
        {
            Description = "CI gate: exit 1 when NFR (NFR_c with --compat) exceeds this fraction, e.g. 0.05.",
        };
        failOption.Validators.Add(r =>
        {
            if (r.GetValue(failOption) is { } x && (x < 0 || x > 1 || double.IsNaN(x)))
                r.AddError("--fail-on-nfr must be a fraction in [0, 1]");
        });

        var command = new Command("compare",
            "Compare old and new predictions on the same ids: accuracy, negative/positive flip rates (NFR, PFR, NFR_mc), BTC, NFI, "
            + "McNemar p, Wilson intervals, and with --compat the paper's compatibility deltas. "
            + "Lines: {\"id\", \"gold\", \"prediction\", \"correct\"?, \"score\"?, \"input\"?, \"output\"?}.")
        {
            oldOption, newOption, compatOption, metricOption, reportOption, jsonOption, failOption,
        };
        command.SetAction(parse =>
        {
            var reportDir = parse.GetValue(reportOption) is { } r ? OutputGuard.CheckDirectory(r.FullName, "--report",
                ("--old", parse.GetValue(oldOption)!.FullName), ("--new", parse.GetValue(newOption)!.FullName),
                ("--compat", parse.GetValue(compatOption)?.FullName)) : null;
            var old = PredictionReader.Read(parse.GetValue(oldOption)!.FullName);
            var @new = PredictionReader.Read(parse.GetValue(newOption)!.FullName);
            var compat = parse.GetValue(compatOption) is { } c ? PredictionReader.Read(c.FullName) : null;
            var metric = CompareMetrics.TryParse(parse.GetValue(metricOption)!)!.Value;
            var result = ComparisonRunner.Compare(PredictionAlignment.Align(old, @new, compat), metric);

            if (parse.GetValue(jsonOption)) ctx.Out.WriteLine(ComparisonSummary.ToJson(result));
            else WriteTable(ctx, result);

            if (reportDir is not null)
            {
                CompatibilityReport.Write(reportDir, result);
                OutputGuard.Mark(reportDir);
                ctx.Error.WriteLine($"report written to {reportDir}");
            }

            if (parse.GetValue(failOption) is { } limit && result.GatedNfr > limit)
            {
                var name = result.HasCompat ? "NFR_c" : "NFR";
                ctx.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"fail: {name} {result.GatedNfr:0.####} exceeds --fail-on-nfr {limit:0.####}"));
                return MuscleApp.ExitFailure;
            }
            return MuscleApp.ExitOk;
        });
        return command;
    }

    private static void WriteTable(CliContext ctx, ComparisonResult result)
    {
        var console = PlainConsole.For(ctx.Out);
        var table = new Table().AddColumn("metric").AddColumn(new TableColumn("value").RightAligned()).AddColumn("95 % interval");
        foreach (var row in ComparisonSummary.Rows(result))
            table.AddRow(Markup.Escape(row.Name), Markup.Escape(row.Value), Markup.Escape(row.Interval));
        console.Write(table);
        ctx.Out.WriteLine(result.MetricRule);
    }
}
