using System.CommandLine;
using Muscle.Cli.Infrastructure;
using Muscle.Distillation;
using Muscle.Infrastructure;
using Muscle.Models;
using Muscle.Recipes;
using Muscle.Training;

namespace Muscle.Cli.Commands;

/// <summary><c>muscle train-compat</c>: train the compatibility adapter (MUSCLE or a baseline strategy).</summary>
public static class TrainCompatCommand
{
    public static Command Create(CliContext ctx)
    {
        var output = new Option<DirectoryInfo>("--out") { Description = "Run directory: the compatibility adapter (PEFT files) and checkpoints/.", Required = true };
        var strategy = new Option<string>("--strategy") { Description = $"One of: {string.Join(", ", CompatibilityStrategies.Ids)}.", DefaultValueFactory = _ => "muscle" };
        var ceWeight = new Option<double?>("--ce-weight") { Description = "λ in L = λ·L_comp + (1−λ)·CE (off: no CE; Xie's α, default 0.5)." };
        var temperature = new Option<double>("--temperature") { Description = "KD temperature T.", DefaultValueFactory = _ => 2.0 };
        var t2 = new Option<bool>("--t2-scale") { Description = "Multiply L_comp by T²." };
        var focalAlpha = new Option<double>("--focal-alpha") { Description = "Focal distillation base weight α.", DefaultValueFactory = _ => 1.0 };
        var focalBeta = new Option<double>("--focal-beta") { Description = "Focal distillation extra weight β where the old model is right.", DefaultValueFactory = _ => 5.0 };
        var withTokenLoss = new Option<bool>("--with-token-loss") { Description = "Choice-level strategies: add the paper's token-level muscle term." };
        var binder = new TrainingOptionsBinder();
        var update = new UpdateOptionsBinder(newAdapterRequired: true, withTest: false);
        var command = new Command("train-compat", "Train a compatibility adapter on the new base that keeps what the old task model got right.")
        {
            output, strategy, ceWeight, temperature, t2, focalAlpha, focalBeta, withTokenLoss,
        };
        update.AddTo(command);
        binder.AddTo(command);
        command.SetAction(parse =>
        {
            var options = binder.Bind(parse);
            var lossOptions = new CompatibilityLossOptions
            {
                Strategy = CompatibilityStrategies.Parse(parse.GetValue(strategy)!),
                CeWeight = parse.GetValue(ceWeight),
                Temperature = parse.GetValue(temperature),
                T2Scale = parse.GetValue(t2),
                FocalAlpha = parse.GetValue(focalAlpha),
                FocalBeta = parse.GetValue(focalBeta),
                WithTokenLoss = parse.GetValue(withTokenLoss),
            };
            lossOptions.Validate();
            var r = update.Bind(parse, parse.GetValue(output)!.FullName);
            using var run = r.ClaimOutputs();
            var data = TaskData.Load(r.Task, r.TrainFile, r.TrainLabels, r.ValidFile, r.ValidLabels, options);
            var transfer = r.TransferFile is null ? null : TransferSet.Load(data, r.TransferFile);
            var models = new UpdatePair(r.OldModelDir, r.OldAdapterDir, r.NewModelDir, r.NewAdapterDir!);
            var outDir = run.Path;
            string? cacheNote = null;
            var result = ctx.Progress.Run($"train-compat {lossOptions.Strategy.Id} {data.Task.Name}", p =>
            {
                var training = TrainingProgressReporter.Forward(p);
                return CompatibilityTrainer.Train(models, data, options, lossOptions, outDir, parse.GetValue(binder.Resume),
                    DTypes.Parse(parse.GetValue(binder.Dtype)!), new SyncProgress<TrainingProgress>(t =>
                    {
                        if (t.Message?.StartsWith("teacher cache") != true) training.Report(t);
                        else p.Report(new ProgressUpdate(t.Step, t.TotalSteps, cacheNote = t.Message));
                    }), teacherCache: r.TeacherCache, transfer: transfer);
            });
            if (cacheNote is not null) ctx.Out.WriteLine(cacheNote);
            ctx.Out.WriteLine($"best epoch {result.BestEpoch}: validation CE {result.BestValidationLoss:F4} " +
                              $"(initial {result.InitialValidationLoss:F4}); compatibility adapter in {outDir}");
            return 0;
        });
        return command;
    }
}
