using System.CommandLine;
using System.Globalization;
using Muscle.Cli.Infrastructure;
using Muscle.Infrastructure;
using Muscle.Recipes;

namespace Muscle.Cli.Commands;

/// <summary><c>muscle pretrain</c>: train a decoder LM from scratch (or continue one) on plain text; writes an HF model directory.</summary>
public static class PretrainCommand
{
    public static Command Create(CliContext ctx)
    {
        var d = new PretrainOptions();
        var corpus = new Option<FileInfo>("--corpus") { Description = "Plain-text corpus, documents separated by blank lines.", Required = true };
        var tokenizer = new Option<DirectoryInfo?>("--tokenizer") { Description = "Directory with the tokenizer files (default: the --init-from model's)." };
        var config = new Option<FileInfo?>("--config") { Description = "HF config.json of a fresh model (random init from --seed)." };
        var initFrom = new Option<DirectoryInfo?>("--init-from") { Description = "HF model directory to continue training." };
        var valid = new Option<FileInfo?>("--valid") { Description = "Held-out text; its mean cross-entropy is measured at the end." };
        var output = new Option<DirectoryInfo>("--out") { Description = "Output HF model directory (checkpoints in OUT/checkpoints/).", Required = true };
        var steps = new Option<long?>("--steps") { Description = "Optimizer steps (default: one epoch)." };
        var epochs = new Option<int?>("--epochs") { Description = "Passes over the corpus windows (instead of --steps)." };
        var batch = new Option<int>("--batch-size") { Description = "Windows per step.", DefaultValueFactory = _ => d.BatchSize };
        var seqLen = new Option<int>("--seq-len") { Description = "Positions per window.", DefaultValueFactory = _ => d.SeqLen };
        var lr = new Option<double>("--lr") { Description = "Peak learning rate (AdamW).", DefaultValueFactory = _ => d.LearningRate };
        var warmup = new Option<long>("--warmup") { Description = "Linear warmup steps, then linear decay to 0.", DefaultValueFactory = _ => d.WarmupSteps };
        var weightDecay = new Option<double>("--weight-decay") { Description = "AdamW weight decay (weights with >= 2 dims).", DefaultValueFactory = _ => d.WeightDecay };
        var seed = new Option<long>("--seed") { Description = "Seed of the random init and the window order.", DefaultValueFactory = _ => d.Seed };
        var weights = new ModelOptionSet(withModel: false);
        var saveSteps = new Option<int>("--save-steps") { Description = "Write a resumable checkpoint every N steps.", DefaultValueFactory = _ => d.SaveSteps };
        var logSteps = new Option<int>("--log-steps") { Description = "Report the loss every N steps.", DefaultValueFactory = _ => d.LogSteps };
        var resume = new Option<bool>("--resume") { Description = "Continue from OUT/checkpoints/last (after a crash or kill)." };
        var maxSteps = TrainingOptionSet.CreateMaxSteps();
        var command = new Command("pretrain", "Pretrain a decoder LM from scratch (--config) or continue one (--init-from) on a plain-text corpus.")
        {
            corpus, tokenizer, config, initFrom, valid, output, steps, epochs, batch, seqLen, lr, warmup, weightDecay, seed,
            saveSteps, logSteps, resume, maxSteps,
        };
        weights.AddTo(command);
        command.SetAction(parse =>
        {
            var init = parse.GetValue(initFrom)?.FullName;
            var tokenizerDir = parse.GetValue(tokenizer)?.FullName ?? init
                ?? throw new MuscleInputException("--tokenizer is required with --config");
            var source = new PretrainSource
            {
                CorpusPath = parse.GetValue(corpus)!.FullName,
                TokenizerDir = tokenizerDir,
                ConfigPath = parse.GetValue(config)?.FullName,
                InitFrom = init,
                ValidCorpusPath = parse.GetValue(valid)?.FullName,
            };
            var options = new PretrainOptions
            {
                Steps = parse.GetValue(steps),
                Epochs = parse.GetValue(epochs),
                BatchSize = parse.GetValue(batch),
                SeqLen = parse.GetValue(seqLen),
                LearningRate = parse.GetValue(lr),
                WarmupSteps = parse.GetValue(warmup),
                WeightDecay = parse.GetValue(weightDecay),
                Seed = parse.GetValue(seed),
                SaveSteps = parse.GetValue(saveSteps),
                LogSteps = parse.GetValue(logSteps),
                MaxSteps = parse.GetValue(maxSteps),
            };
            (string Option, string? Path)[] inputs =
            [
                ("--corpus", source.CorpusPath), ("--init-from", source.InitFrom), ("--tokenizer", source.TokenizerDir),
                ("--config", source.ConfigPath), ("--valid", source.ValidCorpusPath),
            ];
            using var run = OutputGuard.ClaimRunDirectory(parse.GetValue(output)!.FullName, "--out", inputs);
            var outDir = run.Path;
            var selection = weights.Bind(parse, ctx.Error, source.InitFrom ?? source.ConfigPath);
            var resuming = parse.GetValue(resume);
            var started = TrainingRunStart.Prepare(ctx, outDir, resuming, inputs);
            var result = ctx.Progress.Run("pretrain", p => Pretrainer.Run(source, options, outDir, resuming,
                selection.DType, p, selection.Device, inputs: started));
            var c = CultureInfo.InvariantCulture;
            var validText = result.ValidationLoss is double v ? string.Create(c, $", validation CE {v:F4}") : "";
            ctx.Out.WriteLine(string.Create(c,
                $"pretrained {result.Steps} steps ({result.TrainedTokens} tokens, {result.Windows} windows) in {result.Elapsed.TotalSeconds:F1} s: " +
                $"train loss {result.FinalLoss:F4}{validText}; model in {result.OutDir}"));
            return 0;
        });
        return command;
    }
}
