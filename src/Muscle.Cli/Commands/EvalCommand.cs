using System.CommandLine;
using System.Text.Json.Nodes;
using Muscle.Adapters;
using Muscle.Cli.Infrastructure;
using Muscle.Evaluation;
using Muscle.Tasks;
using Muscle.Infrastructure;
using Muscle.LmEval;

namespace Muscle.Cli.Commands;

/// <summary><c>muscle eval</c>: run a task on a model (+ adapter) and write per-instance predictions as JSONL keyed by id.</summary>
public static class EvalCommand
{
    public static Command Create(CliContext ctx)
    {
        var model = new ModelOptionSet(withAdapter: true);
        var taskFile = new TaskFileOptionSet("--data", "Task data file.", "--path");
        var output = new Option<FileInfo>("--out") { Description = "Predictions JSONL to write (one line per instance).", Required = true };
        var logSamples = new Option<DirectoryInfo?>("--log-samples")
        {
            Description = "Also write lm-evaluation-harness --log_samples output to this directory: samples_<task>_<timestamp>.jsonl "
                          + "(lm-eval v0.4.x fields and hashes) and results_<timestamp>.json, readable by muscle compare.",
        };
        var evaluation = new EvaluationOptionSet(withScoring: true);
        var command = new Command("eval", "Evaluate a model on a task; write per-instance predictions (JSONL keyed by id).")
        {
            output, logSamples,
        };
        model.AddTo(command);
        taskFile.AddTo(command);
        evaluation.AddTo(command);
        command.SetAction(parse =>
        {
            var outPath = OutputGuard.CheckFile(parse.GetValue(output)!.FullName, output.Name, [.. model.Inputs(parse), .. taskFile.Inputs(parse)]);
            var logDir = parse.GetValue(logSamples) is { } l
                ? OutputGuard.CheckDirectory(l.FullName, "--log-samples", [.. model.Inputs(parse), .. taskFile.Inputs(parse), ("--out", outPath)])
                : null;
            if (logDir is not null)
            {
                OutputGuard.RefuseFileAncestor(outPath, output.Name);
                OutputGuard.RefuseFileAncestor(logDir, "--log-samples");
            }
            var options = evaluation.Bind(parse);
            var (definition, examples) = taskFile.Load(parse);
            var weights = model.Bind(parse, ctx.Error);
            using var taskModel = TaskModel.Load(weights.ModelDir!, weights.AdapterDir, weights.DType, weights.Device);
            foreach (var warning in taskModel.Warnings) ctx.Error.WriteLine("warning: " + warning);
            var summary = ctx.Progress.Run($"eval {definition.Name}", p => TaskEvaluator.Evaluate(
                taskModel.Model, taskModel.Tokenizer, definition, examples, options, p, parse.GetValue(taskFile.Data)!.FullName));
            TaskEvaluator.WritePredictions(outPath, summary);
            if (logDir is not null)
            {
                var config = new JsonObject
                {
                    ["model"] = "muscle",
                    ["model_args"] = $"pretrained={weights.ModelDir}" + (weights.AdapterDir is { } a ? $",peft={a}" : ""),
                };
                var files = LmEvalSamplesWriter.Write(logDir, definition.Name,
                    definition.Kind == TaskKind.MultipleChoice ? LmEvalSamplesWriter.MultipleChoice : LmEvalSamplesWriter.GenerateUntil,
                    [.. summary.Predictions.Select(p => p.LogSample!)], summary.Metrics, DateTime.Now, config);
                OutputGuard.Mark(logDir);
                ctx.Error.WriteLine($"lm-eval samples written to {logDir} ({string.Join(", ", files)})");
            }
            foreach (var warning in summary.Warnings) ctx.Error.WriteLine("warning: " + warning);
            ctx.Out.WriteLine($"{definition.Name}: n = {summary.Count}, {summary.MetricsLine()}");
            return 0;
        });
        return command;
    }
}
