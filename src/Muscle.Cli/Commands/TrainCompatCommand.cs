using System.CommandLine;
using Muscle.Cli.Infrastructure;
using Muscle.Distillation;
using Muscle.Events;
using Muscle.Infrastructure;
using Muscle.Recipes;

namespace Muscle.Cli.Commands;

/// <summary><c>muscle train-compat</c>: train the compatibility adapter (MUSCLE or a baseline strategy).</summary>
public static class TrainCompatCommand
{
    public static Command Create(CliContext ctx)
    {
        var output = new Option<DirectoryInfo>("--out") { Description = "Run directory: the compatibility adapter (PEFT files) and checkpoints/.", Required = true };
        var update = new UpdateOptionSet(newAdapterRequired: true, withTest: false);
        var compatibility = new CompatibilityOptionSet();
        var recipe = new TrainingOptionSet();
        var weights = new ModelOptionSet(withModel: false);
        var command = new Command("train-compat", "Train a compatibility adapter on the new base that keeps what the old task model got right.")
        {
            output,
        };
        update.AddTo(command);
        compatibility.AddTo(command);
        recipe.AddTo(command);
        weights.AddTo(command);
        command.SetAction(parse =>
        {
            var options = recipe.Bind(parse);
            var lossOptions = compatibility.Bind(parse);
            var teacherCache = compatibility.TeacherCache.Bind(parse);
            var inputs = update.Inputs(parse);
            using var run = UpdateRequest.ClaimOutputs(parse.GetValue(output)!.FullName, teacherCache, inputs);
            var data = update.Data.Bind(parse, options);
            var transfer = parse.GetValue(update.Transfer) is { } transferFile ? TransferSet.Load(data, transferFile.FullName) : null;
            var models = update.BindPair(parse);
            var selection = weights.Bind(parse, ctx.Error, models.OldModelDir, models.NewModelDir);
            var outDir = run.Path;
            var resume = parse.GetValue(recipe.Resume);
            var started = TrainingRunStart.Prepare(ctx, outDir, resume, inputs);
            TeacherCacheReady? cache = null;
            var result = ctx.Progress.Run($"train-compat {lossOptions.Strategy.Id} {data.Task.Name}", p =>
                CompatibilityTrainer.Train(models, data, options, lossOptions, outDir, resume,
                    selection.DType, new SyncProgress<RunEvent>(e =>
                    {
                        if (e is TeacherCacheReady ready) cache = ready;
                        p.Report(e);
                    }), selection.Device, teacherCache: teacherCache, transfer: transfer, inputs: started));
            if (cache is not null) ctx.Out.WriteLine(RunEventText.Text(cache));
            ctx.Out.WriteLine($"best epoch {result.BestEpoch}: validation CE {result.BestValidationLoss:F4} " +
                              $"(initial {result.InitialValidationLoss:F4}); compatibility adapter in {outDir}");
            return 0;
        });
        return command;
    }
}
