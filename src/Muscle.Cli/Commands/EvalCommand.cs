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
        var taskFile = new TaskFileOptionSet("--data", "Task data file.", "--path");
        var output = new Option<FileInfo>("--out") { Description = "Predictions JSONL to write (one line per instance).", Required = true };
        var evaluation = new EvaluationOptionSet(withScoring: true);
        var command = new Command("eval", "Evaluate a model on a task; write per-instance predictions (JSONL keyed by id).")
        {
            output,
        };
        model.AddTo(command);
        taskFile.AddTo(command);
        evaluation.AddTo(command);
        command.SetAction(parse =>
        {
            var outPath = OutputGuard.CheckFile(parse.GetValue(output)!.FullName, output.Name, [.. model.Inputs(parse), .. taskFile.Inputs(parse)]);
            var options = evaluation.Bind(parse);
            var (definition, examples) = taskFile.Load(parse);
            var weights = model.Bind(parse, ctx.Error);
            using var taskModel = TaskModel.Load(weights.ModelDir!, weights.AdapterDir, weights.DType, weights.Device);
            foreach (var warning in taskModel.Warnings) ctx.Error.WriteLine("warning: " + warning);
            var summary = ctx.Progress.Run($"eval {definition.Name}", p => TaskEvaluator.Evaluate(
                taskModel.Model, taskModel.Tokenizer, definition, examples, options, p, parse.GetValue(taskFile.Data)!.FullName));
            TaskEvaluator.WritePredictions(outPath, summary);
            foreach (var warning in summary.Warnings) ctx.Error.WriteLine("warning: " + warning);
            ctx.Out.WriteLine($"{definition.Name}: n = {summary.Count}, {summary.MetricsLine()}");
            return 0;
        });
        return command;
    }
}
