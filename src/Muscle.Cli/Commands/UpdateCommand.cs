using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Muscle.Cli.Infrastructure;
using Muscle.Evaluation;
using Muscle.Recipes;
using Spectre.Console;

namespace Muscle.Cli.Commands;

/// <summary><c>muscle update</c>: the main job — a v2 adapter that keeps what v1 got right, and the proof.</summary>
public static class UpdateCommand
{
    public static Command Create(CliContext ctx)
    {
        var output = new Option<DirectoryInfo>("--out") { Description = "Run directory (stages are cached here; rerun to continue).", Required = true };
        var json = new Option<bool>("--json") { Description = "Print the compare JSON (keys of muscle compare --json) as the last line." };
        var limit = new Option<int?>("--limit") { Description = "Evaluate only the first N test instances." };
        var update = new UpdateOptionSet(newAdapterRequired: false, withTest: true);
        var compatibility = new CompatibilityOptionSet();
        var recipe = new TrainingOptionSet();
        var weights = new ModelOptionSet(withModel: false);
        var command = new Command("update", "Move a task adapter from base v1 to base v2 compatibly: train v2's adapter (if needed) and the compatibility adapter, evaluate all three, report the flips.")
        {
            output, json, limit,
        };
        update.AddTo(command);
        compatibility.AddTo(command);
        recipe.AddTo(command);
        weights.AddTo(command);
        command.SetAction(parse =>
        {
            var request = update.Bind(parse, parse.GetValue(output)!.FullName) with
            {
                Training = recipe.Bind(parse),
                Compatibility = compatibility.Bind(parse),
                TeacherCache = compatibility.TeacherCache.Bind(parse),
                Evaluation = new EvaluationOptions { Limit = parse.GetValue(limit) },
                DType = weights.Bind(parse).DType,
            };
            var result = ctx.Progress.Run("update", p => UpdatePipeline.Run(request,
                new Muscle.Infrastructure.SyncProgress<StageProgress>(s => p.Report(new ProgressUpdate(s.Done, s.Total, $"{s.Stage} {s.Status}")))));
            if (result.SkippedStages.Count > 0) ctx.Error.WriteLine($"reused finished stages: {string.Join(", ", result.SkippedStages)}");
            WriteHeadline(ctx.Out, result.ComparisonJson);
            ctx.Out.WriteLine($"report: {Path.Combine(result.ReportDir, "report.html")}");
            if (parse.GetValue(json)) ctx.Out.WriteLine(result.ComparisonJson);
            return 0;
        });
        return command;
    }

    /// <summary>The paper's headline: scores of v1, v2 and the compatibility model; NFR, NFR_c, Δ%NFR_c; PFR; NFR_mc.</summary>
    public static void WriteHeadline(TextWriter output, string comparisonJson)
    {
        var j = JsonNode.Parse(comparisonJson)!.AsObject();
        var discrete = j.ContainsKey("acc_old");
        string Pct(string key) => j[key] is JsonValue v ? (100 * v.GetValue<double>()).ToString("F2", CultureInfo.InvariantCulture) : "n/a";
        string Num(string key) => j[key] is JsonValue v ? v.GetValue<double>().ToString("F2", CultureInfo.InvariantCulture) : "n/a";
        var console = PlainConsole.For(output);
        var metric = j["metric"]!.GetValue<string>();
        var table = new Table().AddColumns($"{metric} v1", $"{metric} v2", $"{metric} compat", "NFR", "NFR_c", "Δ%NFR_c", "PFR",
            discrete ? "NFR_mc" : "m_r");
        foreach (var c in table.Columns) c.RightAligned();
        table.AddRow(
            discrete ? Pct("acc_old") : Pct("score_old"), discrete ? Pct("acc_new") : Pct("score_new"),
            discrete ? Pct("acc_compat") : Pct("score_compat"),
            discrete ? Pct("nfr") : Pct("d_nfr"), Pct("nfr_c"), Num("delta_pct_nfr_c"),
            discrete ? Pct("pfr") : Pct("d_pfr"), discrete ? Pct("nfr_mc") : Pct("m_r"));
        console.Write(table);
        output.WriteLine($"n = {j["n"]}; rates in %, n/a where undefined");
    }
}
