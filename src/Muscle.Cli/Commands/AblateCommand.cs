using System.CommandLine;
using System.Globalization;
using Muscle.Cli.Infrastructure;
using Muscle.Evaluation;
using Muscle.Models;
using Muscle.Tasks;
using Muscle.Training.Losses;
using Muscle.Update;
using Spectre.Console;

namespace Muscle.Cli.Commands;

/// <summary><c>muscle ablate</c>: every compatibility strategy side by side, in the paper's Table 7 columns.</summary>
public static class AblateCommand
{
    public static Command Create(CliContext ctx)
    {
        var oldModel = new Option<DirectoryInfo>("--old-model") { Description = "HF directory of the old base (v1).", Required = true };
        var oldAdapter = new Option<DirectoryInfo>("--old-adapter") { Description = "PEFT task adapter on the old base.", Required = true };
        var newModel = new Option<DirectoryInfo>("--new-model") { Description = "HF directory of the new base (v2).", Required = true };
        var newAdapter = new Option<DirectoryInfo>("--new-adapter") { Description = "PEFT task adapter on the new base (every arm starts from it).", Required = true };
        var task = new Option<string>("--task") { Description = $"Task name: {string.Join(", ", TaskRegistry.Names)}.", Required = true };
        var train = new Option<FileInfo>("--train") { Description = "Training data file.", Required = true };
        var labels = new Option<FileInfo?>("--labels") { Description = "Labels file of --train (piqa)." };
        var valid = new Option<FileInfo?>("--valid") { Description = "Validation file (default: 20% of --train, seeded)." };
        var validLabels = new Option<FileInfo?>("--valid-labels") { Description = "Labels file of --valid." };
        var test = new Option<FileInfo>("--test") { Description = "Test data file.", Required = true };
        var testLabels = new Option<FileInfo?>("--test-labels") { Description = "Labels file of --test." };
        var output = new Option<DirectoryInfo>("--out") { Description = "Run directory (arms are cached; rerun to continue).", Required = true };
        var strategies = new Option<string>("--strategies")
        {
            Description = $"Comma-separated arms (default: all): {string.Join(", ", AblationPipeline.DefaultArms)}.",
            DefaultValueFactory = _ => string.Join(',', AblationPipeline.DefaultArms),
        };
        var ceWeight = new Option<double?>("--ce-weight") { Description = "λ for the arms that mix with CE (default 0.5)." };
        var temperature = new Option<double>("--temperature") { Description = "KD temperature T.", DefaultValueFactory = _ => 2.0 };
        var limit = new Option<int?>("--limit") { Description = "Evaluate only the first N test instances." };
        var binder = new TrainingOptionsBinder();
        var command = new Command("ablate", "Train every compatibility strategy from the same v2 adapter and print Table 7 (ΔNFR_c, Δ%NFR_c, ΔPFR_c, Δacc_c).")
        {
            oldModel, oldAdapter, newModel, newAdapter, task, train, labels, valid, validLabels, test, testLabels, output,
            strategies, ceWeight, temperature, limit,
        };
        binder.AddTo(command);
        command.SetAction(parse =>
        {
            var request = new UpdateRequest
            {
                OldModelDir = parse.GetValue(oldModel)!.FullName,
                OldAdapterDir = parse.GetValue(oldAdapter)!.FullName,
                NewModelDir = parse.GetValue(newModel)!.FullName,
                NewAdapterDir = parse.GetValue(newAdapter)!.FullName,
                Task = parse.GetValue(task)!,
                TrainFile = parse.GetValue(train)!.FullName,
                TrainLabels = parse.GetValue(labels)?.FullName,
                ValidFile = parse.GetValue(valid)?.FullName,
                ValidLabels = parse.GetValue(validLabels)?.FullName,
                TestFile = parse.GetValue(test)!.FullName,
                TestLabels = parse.GetValue(testLabels)?.FullName,
                OutDir = parse.GetValue(output)!.FullName,
                Training = binder.Bind(parse),
                Compatibility = new CompatibilityLossOptions { CeWeight = parse.GetValue(ceWeight), Temperature = parse.GetValue(temperature) },
                Evaluation = new EvaluationOptions { Limit = parse.GetValue(limit) },
                DType = DTypes.Parse(parse.GetValue(binder.Dtype)!),
            };
            var arms = parse.GetValue(strategies)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            var rows = ctx.Progress.Run("ablate", p => AblationPipeline.Run(request, arms,
                new Muscle.Infrastructure.SyncProgress<StageProgress>(s => p.Report(new ProgressUpdate(s.Done, s.Total, $"{s.Stage} {s.Status}")))));
            WriteTable(ctx.Out, rows);
            ctx.Out.WriteLine($"results: {Path.Combine(request.OutDir, "results.json")}");
            return 0;
        });
        return command;
    }

    public static void WriteTable(TextWriter output, IReadOnlyList<AblationRow> rows)
    {
        static string F(double? v, double scale = 100) => v is double d ? (scale * d).ToString("F2", CultureInfo.InvariantCulture) : "n/a";
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(output), Ansi = AnsiSupport.No, ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
        });
        var table = new Table().AddColumns("strategy", "ΔNFR_c", "Δ%NFR_c", "ΔPFR_c", "Δacc_c", "NFR_c", "acc_c");
        foreach (var c in table.Columns.Skip(1)) c.RightAligned();
        foreach (var r in rows)
            table.AddRow(r.Arm, F(r.DeltaNfrC), F(r.DeltaPctNfrC, 1), F(r.DeltaPfrC), F(r.DeltaAccC), F(r.NfrC), F(r.AccC));
        console.Write(table);
        output.WriteLine("points (Δ%NFR_c in %), against the v2 task adapter; Table 7 layout");
    }
}
