using System.CommandLine;
using System.Globalization;
using Muscle.Cli.Infrastructure;
using Muscle.Compatibility;
using Muscle.Evaluation;
using Muscle.Recipes;
using Muscle.Reports;
using Spectre.Console;

namespace Muscle.Cli.Commands;

/// <summary><c>muscle ablate</c>: every compatibility strategy side by side, in the paper's Table 7 columns.</summary>
public static class AblateCommand
{
    public static Command Create(CliContext ctx)
    {
        var output = new Option<DirectoryInfo>("--out") { Description = "Run directory (arms are cached; rerun to continue).", Required = true };
        var strategies = new Option<string>("--strategies")
        {
            Description = $"Comma-separated arms (default: all): {string.Join(", ", AblationPipeline.DefaultArms)}.",
            DefaultValueFactory = _ => string.Join(',', AblationPipeline.DefaultArms),
        };
        var select = new Option<bool>("--select")
        {
            Description = "Also choose one arm on the validation split (lowest NFR_c within --select-tolerance of v2's score), before the test table.",
        };
        var run = new UpdateRunOptionSet(newAdapterRequired: true, withStrategy: false);
        var command = new Command("ablate", "Train every compatibility strategy from the same v2 adapter and print Table 7 (ΔNFR_c, Δ%NFR_c, ΔPFR_c, Δacc_c).")
        {
            output, strategies, select,
        };
        run.AddTo(command);
        command.SetAction(parse =>
        {
            var request = run.Bind(parse, parse.GetValue(output)!.FullName, ctx.Error, parse.GetValue(select));
            using var claim = request.ClaimOutputs();
            request = request with { OutDir = claim.Path };
            var arms = parse.GetValue(strategies)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            var result = ctx.Progress.Run("ablate", p => AblationPipeline.RunSelecting(request, arms, p));
            if (result.Selection is { } choice)
            {
                WriteSelection(ctx.Out, choice, request.Training.Seed);
                ctx.Out.WriteLine();
                ctx.Out.WriteLine("Every arm on the test set (the choice above was made on the validation split):");
            }
            var rows = result.Rows;
            WriteTable(ctx.Out, rows, request.Training.Seed);
            ctx.Out.WriteLine($"results: {Path.Combine(request.OutDir, "results.json")}");
            return 0;
        });
        return command;
    }

    /// <summary>
    /// <c>--strategy auto</c> / <c>--select</c>: every candidate on the validation split (Table 7 columns with the paired
    /// bootstrap CIs <c>compare</c> reports), the rule, and the choice with its reason.
    /// </summary>
    public static void WriteSelection(TextWriter output, StrategyChoice choice, long seed)
    {
        ArgumentNullException.ThrowIfNull(choice);
        var first = choice.Candidates[0].Validation!;
        output.WriteLine($"Strategy selection on the validation split (n = {first.N}; v1 {Pct(first.ScoreOld)}, v2 {Pct(first.ScoreNew)}, NFR {Pct(first.Nfr)}):");
        WriteTable(output, choice.Candidates.Select(c => AblationPipeline.Row(c.Name + (choice.IsEligible(c) ? "" : " (score out of tolerance)"), c.Validation!)).ToList(),
            seed, "validation items");
        output.WriteLine($"rule: {StrategySelection.Rule(choice.Tolerance)}");
        output.WriteLine($"chosen: {choice.Reason}");
    }

    private static string Pct(double v) => (100 * v).ToString("F2", CultureInfo.InvariantCulture) + " %";

    /// <param name="seed">The run's seed: the Δ%NFR_c intervals are the reports' (<see cref="CompatibilityVerdict"/>, same seed, same draws).</param>
    /// <param name="items">What the rows were scored on, for the footnote.</param>
    public static void WriteTable(TextWriter output, IReadOnlyList<AblationRow> rows, long seed, string items = "test items")
    {
        static string F(double? v, double scale = 100) => v is double d ? (scale * d).ToString("F2", CultureInfo.InvariantCulture) : "n/a";
        var console = PlainConsole.For(output);
        var table = new Table().AddColumns("strategy", "ΔNFR_c", "Δ%NFR_c", "Δ%NFR_c 95 % CI", "ΔPFR_c", "Δacc_c", "NFR_c", "acc_c", "verdict");
        foreach (var c in table.Columns.Skip(1).SkipLast(1)) c.RightAligned();
        foreach (var r in rows)
            table.AddRow(r.Arm, F(r.DeltaNfrC), F(r.DeltaPctNfrC, 1), Markup.Escape(DeltaPctNfrCInterval(r.Comparison, seed)), F(r.DeltaPfrC), F(r.DeltaAccC),
                F(r.NfrC), F(r.AccC), VerdictLabel(r.Comparison, seed));
        console.Write(table);
        output.WriteLine("points (Δ%NFR_c in %), against the v2 task adapter; Table 7 layout");
        output.WriteLine($"95 % CI: paired bootstrap over {items} ({PairedBootstrap.DefaultResamples} resamples, seed {seed}), as in each arm's report; "
                         + "verdict: whether the 95 % CI of ΔNFR_c lies below 0, above 0, or includes it (not distinguishable from zero)");
    }

    /// <summary>
    /// The paired bootstrap 95 % interval of Δ%NFR_c, as the report's verdict computes it for <paramref name="seed"/>;
    /// "n/a" without a compatibility model or when no resample has a negative flip old → new.
    /// </summary>
    public static string DeltaPctNfrCInterval(ComparisonResult comparison, long seed)
    {
        ArgumentNullException.ThrowIfNull(comparison);
        if (!comparison.HasCompat) return "n/a";
        return CompatibilityVerdict.From(comparison, seed).CompatBootstrap?.DeltaPctNfrC is { } ci ? ComparisonSummary.SignedInterval(ci) : "n/a";
    }

    /// <summary>The report verdict's outcome in words for <paramref name="seed"/> ("n/a" without a compatibility model).</summary>
    public static string VerdictLabel(ComparisonResult comparison, long seed)
    {
        ArgumentNullException.ThrowIfNull(comparison);
        return comparison.HasCompat ? CompatibilityVerdict.From(comparison, seed).Label : "n/a";
    }
}
