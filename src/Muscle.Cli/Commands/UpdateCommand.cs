using System.CommandLine;
using System.Globalization;
using Muscle.Cli.Infrastructure;
using Muscle.Compatibility;
using Muscle.Evaluation;
using Muscle.Recipes;
using Muscle.Reports;
using Spectre.Console;

namespace Muscle.Cli.Commands;

/// <summary><c>muscle update</c>: the main job — a v2 adapter that keeps what v1 got right, and the proof.</summary>
public static class UpdateCommand
{
    public static Command Create(CliContext ctx)
    {
        var output = new Option<DirectoryInfo>("--out") { Description = "Run directory (stages are cached here; rerun to continue).", Required = true };
        var json = new Option<bool>("--json") { Description = "Print the compare JSON (keys of muscle compare --json) as the last line." };
        var run = new UpdateRunOptionSet(newAdapterRequired: false, withStrategy: true);
        var command = new Command("update", "Move a task adapter from base v1 to base v2 compatibly: train v2's adapter (if needed) and the compatibility adapter, evaluate all three, report the flips.")
        {
            output, json,
        };
        run.AddTo(command);
        command.SetAction(parse =>
        {
            var request = run.Bind(parse, parse.GetValue(output)!.FullName, ctx.Error);
            using var claim = request.ClaimOutputs();
            request = request with { OutDir = claim.Path };
            var result = ctx.Progress.Run("update", p => UpdatePipeline.Run(request, p));
            if (result.SkippedStages.Count > 0) ctx.Error.WriteLine($"reused finished stages: {string.Join(", ", result.SkippedStages)}");
            if (result.Selection is { } choice)
            {
                AblateCommand.WriteSelection(ctx.Out, choice, request.Training.Seed);
                ctx.Out.WriteLine($"selection: {Path.Combine(request.OutDir, "selection", "selection.md")}");
                ctx.Out.WriteLine();
                ctx.Out.WriteLine($"Test set, the chosen strategy ({choice.Chosen}) only:");
            }
            WriteHeadline(ctx.Out, result.Comparison, request.Training.Seed);
            ctx.Out.WriteLine($"report: {Path.Combine(result.ReportDir, "report.html")}");
            if (parse.GetValue(json)) ctx.Out.WriteLine(ComparisonSummary.ToJson(result.Comparison));
            return 0;
        });
        return command;
    }

    /// <summary>
    /// The paper's headline: scores of v1, v2 and the compatibility model; NFR, NFR_c, Δ%NFR_c with its paired bootstrap
    /// 95 % interval (the report's, drawn with the run's <paramref name="seed"/>); PFR; NFR_mc.
    /// </summary>
    public static void WriteHeadline(TextWriter output, ComparisonResult c, long seed)
    {
        static string Pct(double? v) => v is double d ? (100 * d).ToString("F2", CultureInfo.InvariantCulture) : "n/a";
        static string Num(double? v) => v is double d ? d.ToString("F2", CultureInfo.InvariantCulture) : "n/a";
        var console = PlainConsole.For(output);
        var metric = c.Metric.Name();
        var table = new Table().AddColumns($"{metric} v1", $"{metric} v2", $"{metric} compat", "NFR", "NFR_c", "Δ%NFR_c", "Δ%NFR_c 95 % CI", "PFR",
            c.IsDiscrete ? "NFR_mc" : "m_r", "verdict");
        foreach (var col in table.Columns) col.RightAligned();
        table.AddRow(Pct(c.ScoreOld), Pct(c.ScoreNew), Pct(c.ScoreCompat), Pct(c.Nfr), Pct(c.Deltas?.NfrC), Num(c.Deltas?.DeltaPctNfrC),
            Markup.Escape(AblateCommand.DeltaPctNfrCInterval(c, seed)), Pct(c.Pfr), c.IsDiscrete ? Pct(c.Discrete!.NfrMc) : Pct(c.Continuous!.Mr),
            AblateCommand.VerdictLabel(c, seed));
        console.Write(table);
        output.WriteLine($"n = {c.N}; rates in %, n/a where undefined; 95 % CI: paired bootstrap over test items "
                         + $"({PairedBootstrap.DefaultResamples} resamples, seed {seed}), as in the report; verdict: the 95 % CI of ΔNFR_c below 0, above 0, or including 0");
    }
}
