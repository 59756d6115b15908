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
        var run = new UpdateRunOptionSet(newAdapterRequired: true, withStrategy: false);
        var command = new Command("ablate", "Train every compatibility strategy from the same v2 adapter and print Table 7 (ΔNFR_c, Δ%NFR_c, ΔPFR_c, Δacc_c).")
        {
            output, strategies,
        };
        run.AddTo(command);
        command.SetAction(parse =>
        {
            var request = run.Bind(parse, parse.GetValue(output)!.FullName, ctx.Error);
            using var claim = request.ClaimOutputs();
            request = request with { OutDir = claim.Path };
            var arms = parse.GetValue(strategies)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            var rows = ctx.Progress.Run("ablate", p => AblationPipeline.Run(request, arms, p));
            WriteTable(ctx.Out, rows, request.Training.Seed);
            ctx.Out.WriteLine($"results: {Path.Combine(request.OutDir, "results.json")}");
            return 0;
        });
        return command;
    }

    /// <param name="seed">The run's seed: the Δ%NFR_c intervals are the reports' (<see cref="CompatibilityVerdict"/>, same seed, same draws).</param>
    public static void WriteTable(TextWriter output, IReadOnlyList<AblationRow> rows, long seed)
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
        output.WriteLine($"95 % CI: paired bootstrap over test items ({PairedBootstrap.DefaultResamples} resamples, seed {seed}), as in each arm's report; "
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
