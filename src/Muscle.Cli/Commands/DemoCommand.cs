using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Muscle.Cli.Infrastructure;
using Muscle.Demo;
using Muscle.Update;
using Spectre.Console;

namespace Muscle.Cli.Commands;

/// <summary><c>muscle demo</c>: the main job on an embedded default (synthetic world, tiny bases made here).</summary>
public static class DemoCommand
{
    public static Command Create(CliContext ctx)
    {
        var quick = new Option<bool>("--quick") { Description = "A 4× smaller world and shorter training (≈ 2 minutes; the CI smoke test)." };
        var output = new Option<DirectoryInfo>("--out") { Description = "Run directory; stages are cached, so a rerun continues.", DefaultValueFactory = _ => new DirectoryInfo("muscle-demo") };
        var seed = new Option<long>("--seed") { Description = "World seed (words, tokenizer, data).", DefaultValueFactory = _ => 1 };
        var adapterSeed = new Option<long>("--adapter-seed") { Description = "Seed of the task and compatibility adapters.", DefaultValueFactory = _ => 42 };
        var strategies = new Option<string?>("--strategies") { Description = "Strategies side by side on the multiple-choice task (comma-separated; empty to skip)." };
        var command = new Command("demo", "Run muscle update end to end on an embedded synthetic world: pretrain v1 and v2, train adapters, MUSCLE, compare — on three tasks.")
        {
            quick, output, seed, adapterSeed, strategies,
        };
        command.SetAction(parse =>
        {
            var options = new DemoOptions
            {
                Quick = parse.GetValue(quick),
                OutDir = parse.GetValue(output)!.FullName,
                WorldSeed = parse.GetValue(seed),
                AdapterSeed = parse.GetValue(adapterSeed),
                Strategies = parse.GetValue(strategies)?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
            };
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var result = ctx.Progress.Run(options.Quick ? "demo --quick" : "demo", p => DemoPipeline.Run(options,
                new Muscle.Infrastructure.SyncProgress<StageProgress>(s => p.Report(new ProgressUpdate(s.Done, s.Total, $"{s.Stage} {s.Status}")))));
            WriteTable(ctx.Out, result.Tasks);
            if (result.Strategies.Count > 0)
            {
                ctx.Out.WriteLine();
                ctx.Out.WriteLine("Strategies side by side on the multiple-choice task (sentiment):");
                AblateCommand.WriteTable(ctx.Out, result.Strategies);
            }
            ctx.Out.WriteLine($"run directory: {result.OutDir} ({clock.Elapsed.TotalSeconds:F0} s; reports in tasks/*/update/report)");
            return 0;
        });
        return command;
    }

    /// <summary>Tables 4–6 of the paper in one: per task the v1/v2/compat score, its change, NFR and the compatibility deltas.</summary>
    public static void WriteTable(TextWriter output, IReadOnlyList<DemoTaskRow> rows)
    {
        var console = PlainConsole.For(output);
        var table = new Table().AddColumns("task", "metric", "v1", "v2", "compat", "Δ(c−v2)", "NFR", "ΔNFR_c", "Δ%NFR_c", "Δm_g", "Δm_r");
        foreach (var c in table.Columns.Skip(2)) c.RightAligned();
        foreach (var row in rows)
        {
            var j = JsonNode.Parse(row.ComparisonJson)!.AsObject();
            double? D(string key) => j[key] is JsonValue v ? v.GetValue<double>() : null;
            static string P(double? v) => v is double d ? (100 * d).ToString("F2", CultureInfo.InvariantCulture) : "n/a";
            static string N(double? v) => v is double d ? d.ToString("F2", CultureInfo.InvariantCulture) : "n/a";
            var discrete = j.ContainsKey("acc_old");
            var (s1, s2, sc) = discrete ? (D("acc_old"), D("acc_new"), D("acc_compat")) : (D("score_old"), D("score_new"), D("score_compat"));
            table.AddRow(row.Task, j["metric"]!.GetValue<string>(), P(s1), P(s2), P(sc), P(sc - s2),
                P(discrete ? D("nfr") : D("d_nfr")), P(D("delta_nfr_c")), N(D("delta_pct_nfr_c")),
                discrete ? "" : P(D("delta_m_g")), discrete ? "" : P(D("delta_m_r")));
        }
        console.Write(table);
        output.WriteLine("percent / points; NFR of ROUGE-1 tasks is the D < 0 rate (Table 6); compat = MUSCLE (paper-exact token-level loss)");
    }
}
