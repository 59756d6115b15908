using System.CommandLine;
using Muscle.Cli.Infrastructure;
using Muscle.Infrastructure;
using Muscle.Models;
using Muscle.Recipes;
using Muscle.Tasks;
using Muscle.Training;

namespace Muscle.Cli.Commands;

/// <summary><c>muscle train-adapter</c>: train a PEFT LoRA task adapter on a base model (the paper's recipe by default).</summary>
public static class TrainAdapterCommand
{
    public static Command Create(CliContext ctx)
    {
        var model = new Option<DirectoryInfo>("--model") { Description = "HF base model directory.", Required = true };
        var task = new Option<string>("--task") { Description = $"Task name: {string.Join(", ", TaskRegistry.Names)}.", Required = true };
        var train = new Option<FileInfo>("--train") { Description = "Training data file.", Required = true };
        var labels = new Option<FileInfo?>("--labels") { Description = "Labels file of --train (piqa)." };
        var valid = new Option<FileInfo?>("--valid") { Description = "Validation file (default: 20% of --train, seeded)." };
        var validLabels = new Option<FileInfo?>("--valid-labels") { Description = "Labels file of --valid (piqa)." };
        var output = new Option<DirectoryInfo>("--out") { Description = "Run directory: the best adapter (PEFT files) and checkpoints/.", Required = true };
        var binder = new TrainingOptionsBinder();
        var command = new Command("train-adapter", "Train a LoRA task adapter (PEFT format) with validation each epoch and resumable checkpoints.")
        {
            model, task, train, labels, valid, validLabels, output,
        };
        binder.AddTo(command);
        command.SetAction(parse =>
        {
            using var run = OutputGuard.ClaimRunDirectory(parse.GetValue(output)!.FullName, "--out", ("--model", parse.GetValue(model)!.FullName),
                ("--train", parse.GetValue(train)!.FullName), ("--labels", parse.GetValue(labels)?.FullName),
                ("--valid", parse.GetValue(valid)?.FullName), ("--valid-labels", parse.GetValue(validLabels)?.FullName));
            var options = binder.Bind(parse);
            var data = TaskData.Load(parse.GetValue(task)!, parse.GetValue(train)!.FullName, parse.GetValue(labels)?.FullName,
                                     parse.GetValue(valid)?.FullName, parse.GetValue(validLabels)?.FullName, options);
            var outDir = run.Path;
            var result = ctx.Progress.Run($"train-adapter {data.Task.Name}", p => AdapterTrainer.Train(
                parse.GetValue(model)!.FullName, data, options, outDir, parse.GetValue(binder.Resume),
                DTypes.Parse(parse.GetValue(binder.Dtype)!), TrainingProgressReporter.Forward(p)));
            ctx.Out.WriteLine($"best epoch {result.BestEpoch}: validation CE {result.BestValidationLoss:F4} " +
                              $"(per epoch: {string.Join(", ", result.ValidationLosses.Select(v => v.ToString("F4")))}); adapter in {outDir}");
            return 0;
        });
        return command;
    }
}

/// <summary>Turns trainer reports into progress-bar updates (loss, tokens/s, epoch; the bar shows the ETA).</summary>
public static class TrainingProgressReporter
{
    public static IProgress<TrainingProgress> Forward(IProgress<ProgressUpdate> bar) => new SyncProgress<TrainingProgress>(t =>
        bar.Report(new ProgressUpdate(t.Step, t.TotalSteps, t.ValidationLoss is double v
            ? $"epoch {t.Epoch}/{t.Epochs} valid {v:F4}"
            : $"epoch {t.Epoch}/{t.Epochs} loss {t.Loss:F4} {t.TokensPerSecond:F0} tok/s")));
}
