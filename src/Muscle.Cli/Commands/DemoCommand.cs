using System.CommandLine;
using System.Globalization;
using Muscle.Cli.Infrastructure;
using Muscle.Compatibility;
using Muscle.Recipes;
using Spectre.Console;

namespace Muscle.Cli.Commands;

/// <summary><c>muscle demo</c>: the main job on an embedded default (synthetic world, tiny bases made here).</summary>
public static class DemoCommand
{
    public static Command Create(CliContext ctx)
    {
        var quick = new Option<bool>("--quick") { Description = "A 4× smaller world and shorter training (≈ 25–50 s on an idle 2-core machine, ≈ 100 s on a busy one; the CI smoke test)." };
        var output = new Option<DirectoryInfo>("--out") { Description = "Run directory; stages are cached, so a rerun continues.", DefaultValueFactory = _ => new DirectoryInfo("muscle-demo") };
        var seed = new Option<long>("--seed") { Description = "World seed (words, tokenizer, data).", DefaultValueFactory = _ => 1 };
        var adapterSeeds = new Option<string>("--adapter-seeds", "--adapter-seed")
        {
            Description = "Seeds of the task and compatibility adapters, comma-separated: every task runs once per seed on the same bases, and the table shows mean ± std.",
            DefaultValueFactory = _ => DemoPipeline.DefaultAdapterSeed.ToString(CultureInfo.InvariantCulture),
        };
        var tasks = new Option<string?>("--tasks") { Description = "Only these tasks (comma-separated: sentiment, arithmetic, dialogue)." };
        var strategies = new Option<string?>("--strategies")
        {
            Description = "Each task's strategies table (comma-separated; choice-level ones on the multiple-choice task only; empty to skip). "
                          + "Default: vanilla and the task's auto candidates (--quick: the candidates).",
        };
        var choice = new StrategyOptionSet(StrategyOptionSet.Auto, withSelection: true);
        var weights = new ModelOptionSet(withModel: false);
        var command = new Command("demo", "Run muscle update end to end on an embedded synthetic world: pretrain v1 and v2, train adapters, MUSCLE, compare — on three tasks.")
        {
            quick, output, seed, adapterSeeds, strategies, tasks,
        };
        choice.AddTo(command);
        weights.AddTo(command);
        command.SetAction(parse =>
        {
            var auto = choice.IsAuto(parse);
            var tolerance = choice.BindSelection(parse, auto, "--strategy auto")?.Tolerance;
            var selection = weights.Bind(parse, ctx.Error); // the demo's bases are its own, written in the chosen dtype (auto: float32)
            using var run = Muscle.Infrastructure.OutputGuard.ClaimRunDirectory(parse.GetValue(output)!.FullName, "--out");
            var options = new DemoOptions
            {
                Quick = parse.GetValue(quick),
                OutDir = run.Path,
                WorldSeed = parse.GetValue(seed),
                AdapterSeeds = Seeds(parse.GetValue(adapterSeeds)!),
                Strategies = List(parse.GetValue(strategies)),
                Tasks = List(parse.GetValue(tasks)),
                Strategy = auto ? null : parse.GetValue(choice.Strategy)!.Trim(),
                SelectTolerance = tolerance ?? Muscle.Recipes.StrategySelection.DefaultTolerance,
                DType = selection.DType,
                Device = selection.Device,
            };
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var result = ctx.Progress.Run(options.Quick ? "demo --quick" : "demo", p => DemoPipeline.Run(options, p));
            if (result.Seeds.Count == 1)
            {
                var seed0 = result.Seeds[0].Seed;
                WriteTable(ctx.Out, result.Tasks, seed0);
                foreach (var row in result.Tasks.Where(r => r.Strategies.Count > 0 || r.Selection is not null))
                {
                    ctx.Out.WriteLine();
                    if (row.Selection is { } picked)
                        ctx.Out.WriteLine($"{row.Task}: auto chose {picked.Chosen} on the validation split — {picked.Reason}");
                    if (row.Strategies.Count == 0) continue;
                    ctx.Out.WriteLine($"Strategies side by side on {row.Task} ({row.Format}), test set:");
                    AblateCommand.WriteTable(ctx.Out, row.Strategies, seed0);
                }
            }
            else WriteSeedSummary(ctx.Out, result);
            ctx.Out.WriteLine($"run directory: {result.OutDir} ({clock.Elapsed.TotalSeconds:F0} s; reports in seed-*/*/update/report)");
            return 0;
        });
        return command;
    }

    private static IReadOnlyList<string>? List(string? value) =>
        value?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static IReadOnlyList<long> Seeds(string value)
    {
        var seeds = new List<long>();
        foreach (var part in List(value)!)
            seeds.Add(long.TryParse(part, NumberStyles.Integer, CultureInfo.InvariantCulture, out var seed)
                ? seed : throw new Muscle.Infrastructure.MuscleInputException($"--adapter-seeds: '{part}' is not an integer seed"));
        if (seeds.Count == 0 || seeds.Distinct().Count() != seeds.Count)
            throw new Muscle.Infrastructure.MuscleInputException($"--adapter-seeds needs one or more distinct integer seeds, got '{value}'");
        return seeds;
    }

    /// <summary>Several seeds: every column as mean ± sample standard deviation over the seeds.</summary>
    private static void WriteSeedSummary(TextWriter output, DemoResult result)
    {
        var console = PlainConsole.For(output);
        output.WriteLine($"mean ± std over {result.Seeds.Count} adapter seeds ({string.Join(", ", result.Seeds.Select(s => s.Seed))}); per-seed tables in seed-*/");
        var table = new Table().AddColumns("task", "metric", "v1", "v2", "compat", "Δ(c−v2)", "NFR", "ΔNFR_c", "Δ%NFR_c");
        foreach (var c in table.Columns.Skip(2)) c.RightAligned();
        foreach (var task in result.Tasks.Select(t => t.Task))
        {
            var rows = result.Seeds.Select(s => s.Tasks.Single(t => t.Task == task).Comparison).ToList();
            string Col(Func<ComparisonResult, double?> f, double scale = 100) => MeanStd(rows.Select(f), scale);
            table.AddRow(task, rows[0].Metric.Name(), Col(c => c.ScoreOld), Col(c => c.ScoreNew), Col(c => c.ScoreCompat),
                Col(c => c.ScoreCompat - c.ScoreNew), Col(c => c.Nfr), Col(c => c.Deltas?.DeltaNfrC),
                Col(c => c.Deltas?.DeltaPctNfrC, 1));
        }
        console.Write(table);
        output.WriteLine("compat: each seed's compatibility adapter (under auto, the strategy chosen on that seed's validation split)");
        foreach (var task in result.Tasks.Select(t => t.Task))
        {
            var perSeed = result.Seeds.Select(s => s.Tasks.Single(t => t.Task == task)).ToList();
            if (perSeed.Any(t => t.Selection is not null))
                output.WriteLine($"{task}: auto chose " + string.Join(", ", result.Seeds.Zip(perSeed, (s, t) =>
                    string.Create(CultureInfo.InvariantCulture, $"{t.Strategy} (seed {s.Seed}, test Δ%NFR_c {(t.Comparison.Deltas?.DeltaPctNfrC is double d ? d.ToString("F2", CultureInfo.InvariantCulture) : "n/a")})"))));
            if (perSeed[0].Strategies.Count == 0) continue;
            output.WriteLine();
            output.WriteLine($"Strategies side by side on {task}, test set, mean ± std over seeds:");
            var strategies = new Table().AddColumns("strategy", "ΔNFR_c", "Δ%NFR_c", "ΔPFR_c", "Δacc_c", "NFR_c", "acc_c");
            foreach (var c in strategies.Columns.Skip(1)) c.RightAligned();
            foreach (var arm in perSeed[0].Strategies.Select(r => r.Arm))
            {
                var rows = perSeed.Select(t => t.Strategies.Single(r => r.Arm == arm)).ToList();
                string Col(Func<Muscle.Recipes.AblationRow, double?> f, double scale = 100) => MeanStd(rows.Select(f), scale);
                strategies.AddRow(arm, Col(r => r.DeltaNfrC), Col(r => r.DeltaPctNfrC, 1), Col(r => r.DeltaPfrC), Col(r => r.DeltaAccC),
                    Col(r => r.NfrC), Col(r => r.AccC));
            }
            console.Write(strategies);
        }
        output.WriteLine("points (Δ% in %), against each seed's own v2 task adapter; Table 7 layout");
    }

    private static string MeanStd(IEnumerable<double?> values, double scale)
    {
        var xs = values.Where(v => v is double d && double.IsFinite(d)).Select(v => v!.Value * scale).ToList();
        if (xs.Count == 0) return "n/a";
        var mean = xs.Average();
        var std = xs.Count > 1 ? Math.Sqrt(xs.Sum(x => (x - mean) * (x - mean)) / (xs.Count - 1)) : 0;
        return string.Create(CultureInfo.InvariantCulture, $"{mean:F2} ± {std:F2}");
    }

    /// <summary>Tables 4–6 of the paper in one: per task the v1/v2/compat score, its change, NFR and the compatibility deltas.</summary>
    public static void WriteTable(TextWriter output, IReadOnlyList<DemoTaskRow> rows, long seed)
    {
        var console = PlainConsole.For(output);
        var table = new Table().AddColumns("task", "metric", "strategy", "v1", "v2", "compat", "Δ(c−v2)", "NFR", "ΔNFR_c", "Δ%NFR_c", "Δ%NFR_c 95 % CI",
            "Δm_g", "Δm_r", "verdict");
        foreach (var c in table.Columns.Skip(3).SkipLast(1)) c.RightAligned();
        foreach (var row in rows)
        {
            var c = row.Comparison;
            static string P(double? v) => v is double d ? (100 * d).ToString("F2", CultureInfo.InvariantCulture) : "n/a";
            static string N(double? v) => v is double d ? d.ToString("F2", CultureInfo.InvariantCulture) : "n/a";
            table.AddRow(row.Task, c.Metric.Name(), row.Selection is null ? row.Strategy : $"auto: {row.Strategy}", P(c.ScoreOld), P(c.ScoreNew), P(c.ScoreCompat), P(c.ScoreCompat - c.ScoreNew),
                P(c.Nfr), P(c.Deltas?.DeltaNfrC), N(c.Deltas?.DeltaPctNfrC),
                Markup.Escape(AblateCommand.DeltaPctNfrCInterval(c, seed)),
                c.IsDiscrete ? "" : P(c.Deltas?.DeltaMg), c.IsDiscrete ? "" : P(c.Deltas?.DeltaMr), AblateCommand.VerdictLabel(c, seed));
        }
        console.Write(table);
        output.WriteLine("percent / points; NFR of ROUGE-1 tasks is the D < 0 rate (Table 6); compat = the compatibility adapter of the strategy named "
                         + "(auto: chosen on the validation split by the lowest NFR_c within the score tolerance of v2; muscle is the paper-exact token-level loss)");
        output.WriteLine($"95 % CI: paired bootstrap over test items ({PairedBootstrap.DefaultResamples} resamples, seed {seed}), as in each task's report; "
                         + "verdict: the CI of ΔNFR_c below 0 (fewer negative flips), above 0 (more), or including 0 (not distinguishable from zero). "
                         + "One seed's flips vary with the seed: --adapter-seeds 42,1,2,3,4 gives mean ± std");
    }
}
