using System.CommandLine;
using System.Text.Encodings.Web;
using System.Text.Json;
using Muscle.Cli.Infrastructure;
using Muscle.Infrastructure;
using Muscle.Tasks;
using Muscle.World;

namespace Muscle.Cli.Commands;

/// <summary><c>muscle data inspect</c>: how many examples a task file holds and the first one as the model sees it.</summary>
public static class DataCommand
{
    // Escapes only what JSON must (quotes, backslashes, control characters), so text stays readable.
    private static readonly JsonSerializerOptions Quote = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static Command Create(CliContext ctx)
    {
        var taskFile = new TaskFileOptionSet("--path", "The task's data file.");

        var inspect = new Command("inspect", "Print the example count and the first example exactly as the model sees it.");
        taskFile.AddTo(inspect);
        inspect.SetAction(parse =>
        {
            var (definition, examples) = taskFile.Load(parse);
            Write(ctx.Out, definition, examples);
            return MuscleApp.ExitOk;
        });

        var worldOut = new Option<DirectoryInfo>("--out") { Description = "Directory to write the world into (replaced as a whole if empty or written by muscle).", Required = true };
        var worldSeed = new Option<long>("--seed") { Description = "World seed (words, tokenizer, data).", DefaultValueFactory = _ => 1 };
        var worldQuick = new Option<bool>("--quick") { Description = "The 4× smaller world of muscle demo --quick." };
        var world = new Command("world", "Write the demo's synthetic world: tokenizer, pretraining corpus (v1 share and all), three tasks' train/test files.")
        {
            worldOut, worldSeed, worldQuick,
        };
        world.SetAction(parse =>
        {
            var options = (parse.GetValue(worldQuick) ? WorldOptions.Quick : WorldOptions.Default) with { Seed = parse.GetValue(worldSeed) };
            var outDir = OutputGuard.CheckDirectory(parse.GetValue(worldOut)!.FullName, "--out");
            var files = SyntheticWorld.Generate(options, outDir);
            OutputGuard.Mark(outDir);
            ctx.Out.WriteLine($"world (seed {options.Seed}) in {files.Directory}: vocabulary {files.VocabSize} tokens, corpus {files.CorpusSplit.TotalTokens} tokens " +
                              $"(v1 share {files.CorpusSplit.V1Tokens}); see its README.md");
            return MuscleApp.ExitOk;
        });

        var data = new Command("data", "Look at task data files, or write the demo's synthetic world.");
        data.Subcommands.Add(inspect);
        data.Subcommands.Add(world);
        return data;
    }

    /// <summary>
    /// Each piece is shown as a JSON string (so newlines and edge spaces are visible), then the full gold sequence
    /// is printed raw between marker lines: that raw block is byte-for-byte the text the model is trained on.
    /// </summary>
    private static void Write(TextWriter o, ITaskDefinition task, IReadOnlyList<TaskExample> examples)
    {
        var ex = examples[0];
        o.WriteLine($"count: {examples.Count}");
        o.WriteLine($"task: {task.Name} ({(task.Kind == TaskKind.MultipleChoice ? "multiple choice" : "generative")})");
        o.WriteLine($"first example: id {J(ex.Id)}");
        if (task.Kind == TaskKind.MultipleChoice)
        {
            if (ex.ChoiceContexts is null) o.WriteLine($"context: {J(ex.Context)}");
            for (var j = 0; j < ex.Choices.Count; j++)
            {
                var request = ex.Request(j);
                var gold = j == ex.Gold ? "  <- gold" : "";
                o.WriteLine(ex.ChoiceContexts is null
                    ? $"choice {j}: {J(request.Continuation)}{gold}"
                    : $"choice {j}: context {J(request.Context)} + continuation {J(request.Continuation)}{gold}");
            }
            var scoring = task.Scoring!;
            o.WriteLine($"scoring: sum of log p(continuation | context); acc{(scoring.ReportsAccNorm ? ", acc_norm (by characters)" : "")}" +
                        (scoring.PartialScoring ? "; partial scoring (context differs per choice)" : ""));
        }
        else
        {
            var spec = task.Generation!;
            o.WriteLine($"prompt: {J(ex.Context)}");
            o.WriteLine($"target: {J(ex.Target ?? "")}");
            foreach (var (key, value) in ex.Extra ?? new Dictionary<string, string>()) o.WriteLine($"{key}: {J(value)}");
            o.WriteLine($"generation: stop at [{string.Join(", ", spec.StopSequences.Select(J))}], " +
                        $"max {spec.MaxNewTokens} new tokens, no-repeat-ngram {spec.NoRepeatNgramSize}, metric {spec.Metric}");
        }
        var training = task.TrainingText(ex);
        o.WriteLine($"----- training text (context then answer), raw, {training.Full.Length} characters -----");
        o.Write(training.Context);
        o.Write(training.Answer);
        o.WriteLine();
        o.WriteLine("----- end -----");
    }

    private static string J(string s) => JsonSerializer.Serialize(s, Quote);
}
