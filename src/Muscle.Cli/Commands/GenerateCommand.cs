using System.CommandLine;
using Muscle.Adapters;
using Muscle.Cli.Infrastructure;
using Muscle.Generation;

namespace Muscle.Cli.Commands;

/// <summary><c>muscle generate</c>: decode from an HF model directory (optionally with a PEFT adapter).</summary>
public static class GenerateCommand
{
    public static Command Create(CliContext ctx)
    {
        var model = new ModelOptionSet(withAdapter: true);
        var prompt = new Option<string>("--prompt") { Description = "Prompt text; empty starts from BOS.", DefaultValueFactory = _ => "" };
        var maxNew = new Option<int>("--max-new-tokens") { Description = "Tokens to generate.", DefaultValueFactory = _ => 128 };
        var greedy = new Option<bool>("--greedy") { Description = "Greedy decoding (argmax) instead of sampling." };
        var temperature = new Option<double>("--temperature") { Description = "Sampling temperature.", DefaultValueFactory = _ => 1.0 };
        var topP = new Option<double>("--top-p") { Description = "Nucleus sampling mass.", DefaultValueFactory = _ => 1.0 };
        var seed = new Option<long>("--seed") { Description = "Sampling seed.", DefaultValueFactory = _ => 0 };
        var stop = new Option<string[]>("--stop") { Description = "Stop sequence (repeatable); the text is cut at the earliest.", AllowMultipleArgumentsPerToken = false };
        var noRepeat = new Option<int>("--no-repeat-ngram-size") { Description = "Ban repeating n-grams of this size (0 = off).", DefaultValueFactory = _ => 0 };
        var noCache = new Option<bool>("--no-kv-cache") { Description = "Recompute the whole sequence each step (slow; for checking)." };
        var ids = new Option<bool>("--ids") { Description = "Print the generated token ids, space-separated, instead of text." };
        var command = new Command("generate", "Generate text from a model.")
        {
            prompt, maxNew, greedy, temperature, topP, seed, stop, noRepeat, noCache, ids,
        };
        model.AddTo(command);
        command.SetAction(parse =>
        {
            var options = new GenerationOptions
            {
                MaxNewTokens = parse.GetValue(maxNew),
                Greedy = parse.GetValue(greedy),
                Temperature = parse.GetValue(temperature),
                TopP = parse.GetValue(topP),
                Seed = parse.GetValue(seed),
                StopSequences = parse.GetValue(stop) ?? [],
                NoRepeatNgramSize = parse.GetValue(noRepeat),
                UseKvCache = !parse.GetValue(noCache),
            };
            options.Validate(); // before the model is read
            var weights = model.Bind(parse, ctx.Error);
            using var taskModel = TaskModel.Load(weights.ModelDir!, weights.AdapterDir, weights.DType, weights.Device);
            foreach (var warning in taskModel.Warnings) ctx.Error.WriteLine("warning: " + warning);
            var generator = new TextGenerator(taskModel.Model, taskModel.Tokenizer);
            var result = generator.Generate(parse.GetValue(prompt) ?? "", options);
            ctx.Error.WriteLine(StopNote(result, options, taskModel.Model.Config.MaxPositions));
            ctx.Out.WriteLine(parse.GetValue(ids) ? string.Join(' ', result.TokenIds) : result.Text);
            return 0;
        });
        return command;
    }

    /// <summary>The stderr note on why generation ended; a full context window is a warning, since it cut the output short.</summary>
    internal static string StopNote(GenerationResult r, GenerationOptions o, int maxPositions)
    {
        var count = $"{r.TokenIds.Count} of {o.MaxNewTokens} new tokens";
        return r.StopReason switch
        {
            StopReason.Eos => $"note: stopped at the end-of-sequence token ({count})",
            StopReason.StopString => $"note: stopped at a stop string ({count})",
            StopReason.ContextFull =>
                $"warning: stopped because the context window is full ({count}; the prompt has {r.PromptTokens} tokens, "
                + $"max_position_embeddings is {maxPositions})",
            _ => $"note: stopped after the requested {count}",
        };
    }
}
