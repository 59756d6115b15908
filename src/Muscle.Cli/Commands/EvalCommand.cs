using System.CommandLine;
using Muscle.Adapters;
using Muscle.Cli.Infrastructure;
using Muscle.Evaluation;
using Muscle.Tasks;
using Muscle.Infrastructure;

namespace Muscle.Cli.Commands;

/// <summary><c>muscle eval</c>: run a task on a model (+ adapter) and write per-instance predictions as JSONL keyed by id.</summary>
public static class EvalCommand
{
    public static Command Create(CliContext ctx)
    {
        var model = new ModelOptionSet(withAdapter: true);
        var task = new Option<string>("--task") { Description = $"Task name: {string.Join(", ", TaskRegistry.Names)}.", Required = true };
        var data = new Option<FileInfo>("--data", "--path") { Description = "Task data file.", Required = true };
        var labels = new Option<FileInfo?>("--labels") { Description = "Labels file for tasks that keep labels apart (piqa)." };
        var output = new Option<FileInfo>("--out") { Description = "Predictions JSONL to write (one line per instance).", Required = true };
        var limit = new Option<int?>("--limit") { Description = "Evaluate only the first N instances." };
        var batch = new Option<int>("--batch-size") { Description = "Requests scored together.", DefaultValueFactory = _ => 8 };
        var maxSeq = new Option<int>("--max-seq-len") { Description = "Longest scored sequence (contexts cut from the left).", DefaultValueFactory = _ => 2048 };
        var maxNew = new Option<int?>("--max-new-tokens") { Description = "Override the task's generation length." };
        var command = new Command("eval", "Evaluate a model on a task; write per-instance predictions (JSONL keyed by id).")
        {
            task, data, labels, output, limit, batch, maxSeq, maxNew,
        };
        model.AddTo(command);
        command.SetAction(parse =>
        {
            var outPath = OutputGuard.CheckFile(parse.GetValue(output)!.FullName, output.Name,
                [.. model.Inputs(parse), (data.Name, parse.GetValue(data)!.FullName), (labels.Name, parse.GetValue(labels)?.FullName)]);
            var definition = TaskRegistry.Get(parse.GetValue(task)!);
            var examples = definition.Load(parse.GetValue(data)!.FullName, parse.GetValue(labels)?.FullName);
            var options = new EvaluationOptions
            {
                BatchSize = Positive(parse.GetValue(batch), "--batch-size"),
                Limit = parse.GetValue(limit) is int l ? Positive(l, "--limit") : null,
                MaxSeqLen = Positive(parse.GetValue(maxSeq), "--max-seq-len"),
                MaxNewTokens = parse.GetValue(maxNew) is int m ? Positive(m, "--max-new-tokens") : null,
            };
            var weights = model.Bind(parse);
            using var taskModel = TaskModel.Load(weights.ModelDir!, weights.AdapterDir, weights.DType);
            foreach (var warning in taskModel.Warnings) ctx.Error.WriteLine("warning: " + warning);
            var summary = ctx.Progress.Run($"eval {definition.Name}", p => TaskEvaluator.Evaluate(
                taskModel.Model, taskModel.Tokenizer, definition, examples, options, p));
            TaskEvaluator.WritePredictions(outPath, summary);
            ctx.Out.WriteLine($"{definition.Name}: n = {summary.Count}, {summary.MetricsLine()}");
            return 0;
        });
        return command;
    }

    internal static int Positive(int value, string name) =>
        value > 0 ? value : throw new MuscleInputException($"{name} must be > 0, got {value}");
}
