using System.CommandLine;
using Muscle.Cli.Infrastructure;
using Muscle.Infrastructure;
using Muscle.Recipes;

namespace Muscle.Cli.Commands;

/// <summary><c>muscle train-adapter</c>: train a PEFT LoRA task adapter on a base model (the paper's recipe by default).</summary>
public static class TrainAdapterCommand
{
    public static Command Create(CliContext ctx)
    {
        var model = new ModelOptionSet();
        var taskData = new TaskDataOptionSet();
        var output = new Option<DirectoryInfo>("--out") { Description = "Run directory: the best adapter (PEFT files) and checkpoints/.", Required = true };
        var recipe = new TrainingOptionSet();
        var command = new Command("train-adapter", "Train a LoRA task adapter (PEFT format) with validation each epoch and resumable checkpoints.")
        {
            output,
        };
        model.AddTo(command);
        taskData.AddTo(command);
        recipe.AddTo(command);
        command.SetAction(parse =>
        {
            var options = recipe.Bind(parse);
            var weights = model.Bind(parse, ctx.Error);
            (string Option, string? Path)[] inputs = [.. model.Inputs(parse), .. taskData.Inputs(parse)];
            using var run = OutputGuard.ClaimRunDirectory(parse.GetValue(output)!.FullName, output.Name, inputs);
            var data = taskData.Bind(parse, options);
            var outDir = run.Path;
            var resume = parse.GetValue(recipe.Resume);
            var started = TrainingRunStart.Prepare(ctx, outDir, resume, inputs);
            var result = ctx.Progress.Run($"train-adapter {data.Task.Name}", p => AdapterTrainer.Train(
                weights.ModelDir!, data, options, outDir, resume, weights.DType, p, weights.Device, inputs: started));
            ctx.Out.WriteLine($"best epoch {result.BestEpoch}: validation CE {result.BestValidationLoss:F4} " +
                              $"(per epoch: {string.Join(", ", result.ValidationLosses.Select(v => v.ToString("F4")))}); adapter in {outDir}");
            return 0;
        });
        return command;
    }
}
