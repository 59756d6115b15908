using System.Security.Cryptography;
using System.Text.Json.Nodes;
using System.Text.Json;
using Muscle.Events;
using Muscle.Configuration;
using Muscle.IO;
using Muscle.Infrastructure;
using Muscle.Models;
using Muscle.Pretraining;
using Muscle.Tokenization;
using Muscle.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Muscle.Recipes;

// Shapes: B windows per step, T positions (--seq-len), V vocabulary.

/// <summary>
/// <c>muscle pretrain</c>: trains every parameter of a decoder LM on a plain-text corpus with next-token CE.
/// build (random init from the seed) or strict load → train mode → the shared <see cref="TrainingLoop"/> with
/// <see cref="FullModelWeights"/> (AdamW, weight decay on weights with ≥ 2 dimensions only), <see cref="PretrainObjective"/>
/// and <see cref="WindowStreamPlan"/> (resumable checkpoints: weights, AdamW moments, step = data position, RNG)
/// → an HF model directory with the recipe in <c>pretrain_state.json</c>. Same recipe, same bytes.
/// </summary>
public static class Pretrainer
{
    public const int StateVersion = 1;

    /// <summary>The recipe and outcome, beside the HF model files at the run's root; with "complete": true, a finished model.</summary>
    public const string StateFileName = "pretrain_state.json";

    private static readonly string[] TokenizerFiles =
        ["tokenizer.json", "tokenizer.model", "tokenizer_config.json", "special_tokens_map.json", "added_tokens.json", "vocab.json", "merges.txt"];

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static PretrainResult Run(PretrainSource source, PretrainOptions options, string outDir, bool resume,
                                     ScalarType dtype = ScalarType.Float32, IProgress<RunEvent>? progress = null,
                                     Device? device = null, RunInputs? inputs = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if ((source.ConfigPath is null) == (source.InitFrom is null))
            throw new MuscleInputException("give exactly one of --config (a fresh model) and --init-from (continue a model)");
        var layout = new TrainingRunLayout(Path.GetFullPath(outDir));
        GuardOutput(layout, resume);

        var tokenizer = MuscleTokenizer.FromDirectory(source.TokenizerDir);
        var configPath = source.ConfigPath ?? Path.Combine(source.InitFrom!, "config.json");
        if (source.InitFrom is not null && !Directory.Exists(source.InitFrom))
            throw new MuscleInputException("--init-from model directory not found", source.InitFrom);
        var config = ModelConfigLoader.Load(configPath);
        CheckCompatible(source, options, tokenizer, config, configPath);
        var corpus = PretrainCorpus.Load(source.CorpusPath, tokenizer, options.SeqLen);
        var valid = source.ValidCorpusPath is null ? null : PretrainCorpus.Load(source.ValidCorpusPath, tokenizer, options.SeqLen);
        var recipe = Recipe(source, options, dtype, tokenizer, corpus, configPath);

        // build → load → (device, dtype at construction) → all trainable → optimizer last (in the loop). The seed drives
        // the init (and dropout, if the config has any); a resume restores the weights and the RNG from the checkpoint.
        torch.manual_seed(options.Seed);
        using var model = source.InitFrom is not null
            ? CausalLMFactory.FromPretrained(source.InitFrom, device, dtype)
            : CausalLMFactory.Create(config, device, dtype);
        var totalSteps = options.TotalSteps(corpus.WindowCount);
        var objective = new PretrainObjective(model, corpus, valid);
        var loop = new TrainingLoop(new FullModelWeights(model, configPath), objective,
            new WindowStreamPlan(corpus.WindowCount, options.BatchSize, options.TotalSamples(corpus.WindowCount), totalSteps, options.Seed),
            new TrainingSettings
            {
                LearningRate = options.LearningRate,
                WeightDecay = options.WeightDecay,
                WarmupSteps = options.WarmupSteps,
                Seed = options.Seed,
                SaveSteps = options.SaveSteps,
                LogSteps = options.LogSteps,
                ValidationBatchSize = options.BatchSize,
                Recipe = recipe,
                Inputs = inputs,
                SeedsTorch = false,
                LogsFirstStep = true,
            },
            progress);
        var trained = loop.Run(layout, resume);

        double? validLoss = valid is null ? null : objective.ValidationLoss(options.BatchSize);
        Publish(model, source, layout, configPath, dtype, tokenizer, State(recipe, trained.Steps, totalSteps,
            options, corpus, trained.LossHistory, trained.Elapsed, complete: true, validLoss, source.ValidCorpusPath));
        return new PretrainResult(layout.OutDir, trained.Steps, totalSteps, trained.LossHistory, validLoss,
            trained.Steps * (long)options.BatchSize * options.SeqLen, trained.Elapsed, corpus.WindowCount);
    }

    /// <summary>Refuses to silently overwrite a run: an existing checkpoint or model needs --resume or another --out.</summary>
    private static void GuardOutput(TrainingRunLayout layout, bool resume)
    {
        if (File.Exists(layout.OutDir))
            throw new MuscleInputException("--out must be a directory, but a file is there", layout.OutDir);
        layout.TidyInterruptedWrites();
        if (!resume && (Directory.Exists(layout.CheckpointDir) || File.Exists(Path.Combine(layout.OutDir, StateFileName))))
            throw new MuscleInputException("the output directory already holds a pretraining run; pass --resume to continue it or choose another --out", layout.OutDir);
    }

    private static void CheckCompatible(PretrainSource source, PretrainOptions options, MuscleTokenizer tokenizer, ModelConfig config, string configPath)
    {
        if (tokenizer.VocabSize > config.VocabSize)
            throw new MuscleInputException(
                $"the tokenizer has {tokenizer.VocabSize} tokens but the model's vocab_size is {config.VocabSize}; raise vocab_size", configPath);
        if (options.SeqLen > config.MaxPositions)
            throw new MuscleInputException(
                $"--seq-len {options.SeqLen} exceeds the model's max_position_embeddings ({config.MaxPositions})", configPath);
        if (source.InitFrom is { } init && TokenizerFiles.Any(f => File.Exists(Path.Combine(init, f)))
            && Path.GetFullPath(init) != Path.GetFullPath(source.TokenizerDir)
            && MuscleTokenizer.FromDirectory(init).VocabularyFingerprint != tokenizer.VocabularyFingerprint)
            throw new MuscleInputException("--tokenizer has a different vocabulary than the --init-from model's tokenizer", source.TokenizerDir);
    }

    /// <summary>What must be equal for a resume to continue the same run (the save and log intervals may change).</summary>
    private static JsonObject Recipe(PretrainSource source, PretrainOptions o, ScalarType dtype, MuscleTokenizer tokenizer,
                                     PretrainCorpus corpus, string configPath) => new()
    {
        ["init"] = source.InitFrom is null
            ? new JsonObject { ["kind"] = "random", ["seed"] = o.Seed }
            : new JsonObject { ["kind"] = "continue", ["model"] = Path.GetFullPath(source.InitFrom), ["weights_sha256"] = WeightsSha256(source.InitFrom) },
        ["config_sha256"] = Sha256(File.ReadAllBytes(configPath)),
        ["corpus"] = new JsonObject
        {
            ["path"] = corpus.Path,
            ["sha256"] = corpus.Sha256,
            ["documents"] = corpus.Documents,
            ["tokens"] = corpus.Tokens,
            ["windows"] = corpus.WindowCount,
            ["document_encoding"] = "tokenizer(document) per blank-line-separated document (BOS/EOS as the tokenizer adds them; EOS appended when it adds neither), concatenated",
            ["windows_rule"] = "window k = tokens [k*T, k*T + T], T = seq_len",
            ["order"] = "per epoch e: Fisher-Yates over window indices, xoshiro256** stream \"pretrain/epoch/{e}\" of the seed (Muscle.World.StableRandom); step s takes samples [s*B, s*B + B) of the concatenated epoch orders",
        },
        ["tokenizer"] = new JsonObject
        {
            ["vocabulary_sha256"] = tokenizer.VocabularyFingerprint,
            ["adds_bos"] = tokenizer.AddsBos,
            ["adds_eos"] = tokenizer.AddsEos,
        },
        ["options"] = OptionsJson(o, dtype),
        ["optimizer"] = "AdamW (torch.optim.AdamW rule), betas (0.9, 0.999), eps 1e-8, fp32 moments; weight decay only on parameters with >= 2 dims",
        ["schedule"] = "linear warmup from 0 to learning_rate over warmup_steps, then linear decay to 0 at the last step (HF get_linear_schedule_with_warmup)",
        ["loss"] = "mean next-token cross-entropy over all B*T positions of the step, fp32",
    };

    // max_steps only when given: a checkpoint written without it stays resumable (its recipe must compare equal).
    private static JsonObject OptionsJson(PretrainOptions o, ScalarType dtype)
    {
        var options = new JsonObject
        {
            ["steps"] = o.Steps,
            ["epochs"] = o.Epochs,
            ["batch_size"] = o.BatchSize,
            ["seq_len"] = o.SeqLen,
            ["learning_rate"] = o.LearningRate,
            ["warmup_steps"] = o.WarmupSteps,
            ["weight_decay"] = o.WeightDecay,
            ["seed"] = o.Seed,
            ["dtype"] = DTypes.Name(dtype),
        };
        if (o.MaxSteps is { } maxSteps) options["max_steps"] = maxSteps;
        return options;
    }

    private static JsonObject State(JsonObject recipe, long step, long totalSteps, PretrainOptions options, PretrainCorpus corpus,
                                    IReadOnlyList<LossPoint> history, TimeSpan elapsed, bool complete, double? validLoss, string? validPath) => new()
    {
        ["format"] = "muscle-pretrain",
        ["version"] = StateVersion,
        ["complete"] = complete,
        ["step"] = step,
        ["total_steps"] = totalSteps,
        ["samples_seen"] = Math.Min(step * options.BatchSize, options.TotalSamples(corpus.WindowCount)),
        ["epochs_seen"] = Math.Round(Math.Min(step * options.BatchSize, options.TotalSamples(corpus.WindowCount)) / (double)corpus.WindowCount, 4),
        ["final_train_loss"] = history.Count == 0 ? null : history[^1].Loss,
        ["validation_loss"] = validLoss,
        ["validation_corpus"] = validPath is null ? null : Path.GetFullPath(validPath),
        ["elapsed_seconds"] = Math.Round(elapsed.TotalSeconds, 1),
        ["torch"] = torch.__version__,
        ["loss_history"] = new JsonArray(history.Select(h => (JsonNode?)new JsonArray(h.Step, h.Loss)).ToArray()),
        ["recipe"] = recipe.DeepClone(),
    };

    /// <summary>
    /// Writes the HF model directory at the root of OUT, each file atomically, <c>pretrain_state.json</c> last
    /// (its presence with "complete": true marks a finished model).
    /// </summary>
    private static void Publish(ICausalLM model, PretrainSource source, TrainingRunLayout layout, string configPath, ScalarType dtype,
                                MuscleTokenizer tokenizer, JsonObject state)
    {
        var config = JsonNode.Parse(File.ReadAllText(configPath))!.AsObject();
        config["torch_dtype"] = DTypes.Name(dtype);
        AtomicFile.WriteAllText(Path.Combine(layout.OutDir, "config.json"), config.ToJsonString(Indented));
        using (var scope = NewDisposeScope())
            CheckpointFiles.SaveDirectory(layout.OutDir, FullModelWeights.StateDict(model));
        var generation = new JsonObject { ["_from_model_config"] = true };
        if (tokenizer.BosId is { } bos) generation["bos_token_id"] = bos;
        if (tokenizer.EosId is { } eos) generation["eos_token_id"] = eos;
        if (tokenizer.PadId is { } pad) generation["pad_token_id"] = pad;
        AtomicFile.WriteAllText(Path.Combine(layout.OutDir, "generation_config.json"), generation.ToJsonString(Indented));
        if (Path.GetFullPath(source.TokenizerDir) != layout.OutDir)
            foreach (var name in TokenizerFiles.Where(f => File.Exists(Path.Combine(source.TokenizerDir, f))))
                AtomicFile.WriteAllBytes(Path.Combine(layout.OutDir, name), File.ReadAllBytes(Path.Combine(source.TokenizerDir, name)));
        AtomicFile.WriteAllText(Path.Combine(layout.OutDir, StateFileName), state.ToJsonString(Indented));
    }

    private static string WeightsSha256(string modelDir)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        // Streamed: a shard over 2 GB does not fit one array.
        var buffer = new byte[1 << 20];
        foreach (var f in Directory.GetFiles(modelDir, "*.safetensors").Order(StringComparer.Ordinal))
        {
            using var stream = File.OpenRead(f);
            int read;
            while ((read = stream.Read(buffer)) > 0) sha.AppendData(buffer, 0, read);
        }
        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }

    private static string Sha256(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));
}
