using System.CommandLine;
using Muscle.Cli.Infrastructure;
using Muscle.Models;
using Muscle.Tasks;
using Muscle.Training;
using Muscle.Training.Losses;

namespace Muscle.Cli.Commands;

/// <summary><c>muscle train-compat</c>: train the compatibility adapter (MUSCLE or a baseline strategy).</summary>
public static class TrainCompatCommand
{
    public static Command Create(CliContext ctx)
    {
        var oldModel = new Option<DirectoryInfo>("--old-model") { Description = "HF directory of the old base (v1).", Required = true };
        var oldAdapter = new Option<DirectoryInfo>("--old-adapter") { Description = "PEFT task adapter of the old base.", Required = true };
        var newModel = new Option<DirectoryInfo>("--new-model") { Description = "HF directory of the new base (v2).", Required = true };
        var newAdapter = new Option<DirectoryInfo>("--new-adapter") { Description = "PEFT task adapter of the new base (the student starts as its copy).", Required = true };
        var task = new Option<string>("--task") { Description = $"Task name: {string.Join(", ", TaskRegistry.Names)}.", Required = true };
        var train = new Option<FileInfo>("--train") { Description = "Training data file.", Required = true };
        var labels = new Option<FileInfo?>("--labels") { Description = "Labels file of --train (piqa)." };
        var valid = new Option<FileInfo?>("--valid") { Description = "Validation file (default: 20% of --train, seeded)." };
        var validLabels = new Option<FileInfo?>("--valid-labels") { Description = "Labels file of --valid (piqa)." };
        var output = new Option<DirectoryInfo>("--out") { Description = "Run directory: the compatibility adapter (PEFT files) and checkpoints/.", Required = true };
        var strategy = new Option<string>("--strategy") { Description = $"One of: {string.Join(", ", CompatibilityStrategies.All)}.", DefaultValueFactory = _ => "muscle" };
        var ceWeight = new Option<double?>("--ce-weight") { Description = "λ in L = λ·L_comp + (1−λ)·CE (off: no CE; Xie's α, default 0.5)." };
        var temperature = new Option<double>("--temperature") { Description = "KD temperature T.", DefaultValueFactory = _ => 2.0 };
        var t2 = new Option<bool>("--t2-scale") { Description = "Multiply L_comp by T²." };
        var focalAlpha = new Option<double>("--focal-alpha") { Description = "Focal distillation base weight α.", DefaultValueFactory = _ => 1.0 };
        var focalBeta = new Option<double>("--focal-beta") { Description = "Focal distillation extra weight β where the old model is right.", DefaultValueFactory = _ => 5.0 };
        var withTokenLoss = new Option<bool>("--with-token-loss") { Description = "Choice-level strategies: add the paper's token-level muscle term." };
        var binder = new TrainingOptionsBinder();
        var command = new Command("train-compat", "Train a compatibility adapter on the new base that keeps what the old task model got right.")
        {
            oldModel, oldAdapter, newModel, newAdapter, task, train, labels, valid, validLabels, output, strategy, ceWeight,
            temperature, t2, focalAlpha, focalBeta, withTokenLoss,
        };
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
            var data = TaskData.Load(parse.GetValue(task)!, parse.GetValue(train)!.FullName, parse.GetValue(labels)?.FullName,
                                     parse.GetValue(valid)?.FullName, parse.GetValue(validLabels)?.FullName, options);
            var models = new UpdatePair(parse.GetValue(oldModel)!.FullName, parse.GetValue(oldAdapter)!.FullName,
                                        parse.GetValue(newModel)!.FullName, parse.GetValue(newAdapter)!.FullName);
            var outDir = parse.GetValue(output)!.FullName;
            var result = ctx.Progress.Run($"train-compat {lossOptions.Strategy.Id()} {data.Task.Name}", p => CompatibilityTrainer.Train(
                models, data, options, lossOptions, outDir, parse.GetValue(binder.Resume),
                DTypes.Parse(parse.GetValue(binder.Dtype)!), TrainingProgressReporter.Forward(p)));
            ctx.Out.WriteLine($"best epoch {result.BestEpoch}: validation CE {result.BestValidationLoss:F4} " +
                              $"(initial {result.InitialValidationLoss:F4}); compatibility adapter in {outDir}");
            return 0;
        });
        return command;
    }
}
