using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using System.Text.Json;
using Muscle.Configuration;
using Muscle.Events;
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
/// build (random init from the seed) or strict load → train mode → AdamW (PyTorch's rule; weight decay on weights
/// with ≥ 2 dimensions only, as HF and nanoGPT do) with HF's linear warmup/decay → one dispose scope per step, the
/// loss read back only when logging → resumable checkpoints (weights, AdamW moments, step = data position, RNG)
/// → an HF model directory with the recipe in <c>pretrain_state.json</c>. Same recipe, same bytes.
/// </summary>
public static class Pretrainer
{
    public const int StateVersion = 1;

    private static readonly string[] TokenizerFiles =
        ["tokenizer.json", "tokenizer.model", "tokenizer_config.json", "special_tokens_map.json", "added_tokens.json", "vocab.json", "merges.txt"];

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static PretrainResult Run(PretrainSource source, PretrainOptions options, string outDir, bool resume,
                                     ScalarType dtype = ScalarType.Float32, IProgress<RunEvent>? progress = null,
                                     Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if ((source.ConfigPath is null) == (source.InitFrom is null))
            throw new MuscleInputException("give exactly one of --config (a fresh model) and --init-from (continue a model)");
        var layout = new PretrainLayout(Path.GetFullPath(outDir));
        GuardOutput(layout, resume);

        var tokenizer = MuscleTokenizer.FromDirectory(source.TokenizerDir);
        var configPath = source.ConfigPath ?? Path.Combine(source.InitFrom!, "config.json");
        if (source.InitFrom is not null && !Directory.Exists(source.InitFrom))
            throw new MuscleInputException("--init-from model directory not found", source.InitFrom);
        var config = ModelConfigLoader.Load(configPath);
        CheckCompatible(source, options, tokenizer, config, configPath);
        var corpus = PretrainCorpus.Load(source.CorpusPath, tokenizer, options.SeqLen);
        var recipe = Recipe(source, options, dtype, tokenizer, corpus, configPath);

        var resumeFrom = resume && File.Exists(layout.CheckpointState) ? ReadState(layout.CheckpointState) : null;
        if (resumeFrom is not null && resumeFrom["recipe"]?.ToJsonString() != recipe.ToJsonString())
            throw new MuscleInputException(
                "cannot resume: the corpus, tokenizer, model or options differ from the checkpoint's (start a new --out)", layout.CheckpointState);

        // build → load → (device, dtype at construction) → all trainable → optimizer last.
        ICausalLM model;
        if (resumeFrom is null) torch.manual_seed(options.Seed); // the init, and dropout if the config has any
        if (resumeFrom is not null) model = CausalLMFactory.FromPretrained(layout.CheckpointDir, device, dtype);
        else if (source.InitFrom is not null) model = CausalLMFactory.FromPretrained(source.InitFrom, device, dtype);
        else model = CausalLMFactory.Create(config, device, dtype);
        using (model)
        {
            model.Module.train();
            var parameters = model.Module.parameters().DistinctBy(p => p.Handle).ToList();
            foreach (var p in parameters) p.requires_grad = true;
            // Norm gains and biases are not decayed: decaying them pulls normalised activations toward 0.
            using var decayed = new AdamW(parameters.Where(p => p.dim() >= 2), options.LearningRate, options.WeightDecay);
            using var plain = new AdamW(parameters.Where(p => p.dim() < 2), options.LearningRate, 0.0);
            var history = new List<LossPoint>();
            long step = 0;
            var elapsedBefore = TimeSpan.Zero;
            if (resumeFrom is not null)
            {
                (step, elapsedBefore) = Restore(layout, resumeFrom, decayed, plain, history);
            }

            var (lastStep, elapsed) = TrainSteps(model, corpus, options, decayed, plain, layout, recipe, history, step,
                elapsedBefore, configPath, progress);

            double? validLoss = null;
            if (source.ValidCorpusPath is not null)
            {
                var valid = PretrainCorpus.Load(source.ValidCorpusPath, tokenizer, options.SeqLen);
                validLoss = PretrainEvaluation.MeanLoss(model, valid, options.BatchSize);
            }
            Publish(model, source, layout, configPath, dtype, tokenizer, State(recipe, lastStep, options.TotalSteps(corpus.WindowCount),
                options, corpus, history, elapsed, complete: true, validLoss, source.ValidCorpusPath));
            return new PretrainResult(layout.OutDir, lastStep, options.TotalSteps(corpus.WindowCount), history, validLoss,
                lastStep * (long)options.BatchSize * options.SeqLen, elapsed, corpus.WindowCount);
        }
    }

    /// <summary>Refuses to silently overwrite a run: an existing checkpoint or model needs --resume or another --out.</summary>
    private static void GuardOutput(PretrainLayout layout, bool resume)
    {
        if (File.Exists(layout.OutDir))
            throw new MuscleInputException("--out must be a directory, but a file is there", layout.OutDir);
        if (!resume && (Directory.Exists(layout.CheckpointDir) || File.Exists(layout.StateFile)))
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

    private static (long Step, TimeSpan Elapsed) TrainSteps(
        ICausalLM model, PretrainCorpus corpus, PretrainOptions options, AdamW decayed, AdamW plain, PretrainLayout layout,
        JsonObject recipe, List<LossPoint> history, long step, TimeSpan elapsedBefore, string configPath,
        IProgress<RunEvent>? progress)
    {
        var device = model.Device();
        var windows = corpus.WindowCount;
        var totalSamples = options.TotalSamples(windows);
        var totalSteps = options.TotalSteps(windows);
        var totalEpochs = (int)((totalSamples + windows - 1) / windows);
        var schedule = new LearningRateSchedule(options.LearningRate, options.WarmupSteps, totalSteps);
        var t = options.SeqLen;
        var buffer = new long[options.BatchSize * (t + 1)];
        int[]? order = null;
        var orderEpoch = -1L;
        var clock = Stopwatch.StartNew();
        var logClock = Stopwatch.StartNew();
        using var runningLoss = new DeviceSum(); // summed step losses since the last log: no sync per step
        var stepsSinceLog = 0;
        long tokensSinceLog = 0;
        var lastSaved = step;

        while (step < totalSteps)
        {
            var first = step * options.BatchSize;
            var count = (int)Math.Min(options.BatchSize, totalSamples - first);
            for (var j = 0; j < count; j++)
            {
                var sample = first + j;
                var epoch = sample / windows;
                if (epoch != orderEpoch) (order, orderEpoch) = (PretrainCorpus.EpochOrder(windows, options.Seed, epoch), epoch);
                corpus.CopyWindow(order![(int)(sample % windows)], buffer.AsSpan(j * (t + 1), t + 1));
            }
            using (var scope = NewDisposeScope())
            {
                var batch = tensor(buffer.AsSpan(0, count * (t + 1)).ToArray(), [count, t + 1], device: device); // [B, T+1]
                var logits = model.Forward(batch.narrow(1, 0, t));                                                // [B, T, V]
                var loss = LanguageModelLoss.SumCrossEntropy(logits, batch.narrow(1, 1, t)) / ((double)count * t);
                loss.backward();
                var lr = schedule.At(step);
                foreach (var opt in new[] { decayed, plain })
                {
                    opt.LearningRate = lr;
                    opt.StepOnce();
                    opt.ZeroGrad();
                }
                runningLoss.Add(loss);
            }
            step++;
            stepsSinceLog++;
            tokensSinceLog += (long)count * t;

            var atLog = step == 1 || step % options.LogSteps == 0 || step == totalSteps;
            var atSave = step % options.SaveSteps == 0 || step == totalSteps;
            if (!atLog && !atSave) continue;
            // Host sync point: once per log interval, and before any checkpoint is written.
            var mean = runningLoss.Take() / stepsSinceLog;
            if (!double.IsFinite(mean))
                throw new MuscleInputException(
                    $"non-finite training loss at step {step} (mean of steps {step - stepsSinceLog + 1}–{step}); stopped. The last good " +
                    $"checkpoint (step {lastSaved}) is in {layout.CheckpointDir}: lower --lr or check the data");
            history.Add(new LossPoint(step, mean));
            var elapsed = elapsedBefore + clock.Elapsed;
            progress?.Report(new StepProgress(step, totalSteps, (int)Math.Min(totalEpochs, (first / windows) + 1), totalEpochs, mean,
                tokensSinceLog / Math.Max(1e-9, logClock.Elapsed.TotalSeconds), elapsed));
            stepsSinceLog = 0;
            tokensSinceLog = 0;
            logClock.Restart();
            if (atSave)
            {
                SaveCheckpoint(model, layout, configPath, decayed, plain,
                    State(recipe, step, totalSteps, options, corpus, history, elapsedBefore + clock.Elapsed, complete: false, null, null));
                lastSaved = step;
            }
        }
        return (step, elapsedBefore + clock.Elapsed);
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
        ["options"] = new JsonObject
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
        },
        ["optimizer"] = "AdamW (torch.optim.AdamW rule), betas (0.9, 0.999), eps 1e-8, fp32 moments; weight decay only on parameters with >= 2 dims",
        ["schedule"] = "linear warmup from 0 to learning_rate over warmup_steps, then linear decay to 0 at the last step (HF get_linear_schedule_with_warmup)",
        ["loss"] = "mean next-token cross-entropy over all B*T positions of the step, fp32",
    };

    private static JsonObject State(JsonObject recipe, long step, long totalSteps, PretrainOptions options, PretrainCorpus corpus,
                                    List<LossPoint> history, TimeSpan elapsed, bool complete, double? validLoss, string? validPath) => new()
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

    private static void SaveCheckpoint(ICausalLM model, PretrainLayout layout, string configPath, AdamW decayed, AdamW plain, JsonObject state)
    {
        AtomicFile.WriteDirectory(layout.CheckpointDir, dir =>
        {
            File.Copy(configPath, Path.Combine(dir, "config.json"));
            using var scope = NewDisposeScope();
            CheckpointFiles.SaveDirectory(dir, Weights(model));
            var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
            foreach (var (prefix, opt) in new[] { ("decay.", decayed), ("no_decay.", plain) })
                foreach (var (k, v) in opt.StateTensors()) tensors[prefix + k] = v.detach().cpu();
            tensors["torch_rng_state"] = torch.get_rng_state();
            Safetensors.Save(Path.Combine(dir, PretrainLayout.OptimizerFileName), tensors);
            File.WriteAllText(Path.Combine(dir, PretrainLayout.StateFileName), state.ToJsonString(Indented));
        });
    }

    private static (long Step, TimeSpan Elapsed) Restore(PretrainLayout layout, JsonObject state, AdamW decayed, AdamW plain, List<LossPoint> history)
    {
        var file = Path.Combine(layout.CheckpointDir, PretrainLayout.OptimizerFileName);
        using var scope = NewDisposeScope();
        var tensors = Safetensors.Load(file);
        foreach (var (prefix, opt) in new[] { ("decay.", decayed), ("no_decay.", plain) })
        {
            var mine = tensors.Where(p => p.Key.StartsWith(prefix, StringComparison.Ordinal))
                .ToDictionary(p => p.Key[prefix.Length..], p => p.Value, StringComparer.Ordinal);
            opt.LoadState(mine, file);
        }
        if (tensors.TryGetValue("torch_rng_state", out var rng)) torch.set_rng_state(rng);
        try
        {
            foreach (var point in state["loss_history"]!.AsArray())
                history.Add(new LossPoint(point![0]!.GetValue<long>(), point[1]!.GetValue<double>()));
            return (state["step"]!.GetValue<long>(), TimeSpan.FromSeconds(state["elapsed_seconds"]!.GetValue<double>()));
        }
        catch (Exception e) when (e is InvalidOperationException or NullReferenceException or FormatException)
        {
            throw new MuscleInputException($"cannot resume: checkpoint state is malformed ({e.Message})", layout.CheckpointState);
        }
    }

    private static JsonObject ReadState(string path)
    {
        try
        {
            return JsonNode.Parse(File.ReadAllText(path)) as JsonObject
                ?? throw new MuscleInputException("cannot resume: checkpoint state is not a JSON object", path);
        }
        catch (JsonException e)
        {
            throw new MuscleInputException($"cannot resume: checkpoint state is unreadable ({e.Message})", path, e.LineNumber + 1, e);
        }
    }

    /// <summary>
    /// Writes the HF model directory at the root of OUT, each file atomically, <c>pretrain_state.json</c> last
    /// (its presence with "complete": true marks a finished model).
    /// </summary>
    private static void Publish(ICausalLM model, PretrainSource source, PretrainLayout layout, string configPath, ScalarType dtype,
                                MuscleTokenizer tokenizer, JsonObject state)
    {
        var config = JsonNode.Parse(File.ReadAllText(configPath))!.AsObject();
        config["torch_dtype"] = DTypes.Name(dtype);
        AtomicFile.WriteAllText(Path.Combine(layout.OutDir, "config.json"), config.ToJsonString(Indented));
        using (var scope = NewDisposeScope())
            CheckpointFiles.SaveDirectory(layout.OutDir, Weights(model));
        var generation = new JsonObject { ["_from_model_config"] = true };
        if (tokenizer.BosId is { } bos) generation["bos_token_id"] = bos;
        if (tokenizer.EosId is { } eos) generation["eos_token_id"] = eos;
        if (tokenizer.PadId is { } pad) generation["pad_token_id"] = pad;
        AtomicFile.WriteAllText(Path.Combine(layout.OutDir, "generation_config.json"), generation.ToJsonString(Indented));
        if (Path.GetFullPath(source.TokenizerDir) != layout.OutDir)
            foreach (var name in TokenizerFiles.Where(f => File.Exists(Path.Combine(source.TokenizerDir, f))))
                AtomicFile.WriteAllBytes(Path.Combine(layout.OutDir, name), File.ReadAllBytes(Path.Combine(source.TokenizerDir, name)));
        AtomicFile.WriteAllText(layout.StateFile, state.ToJsonString(Indented));
    }

    /// <summary>The state dict as HF saves it: tied aliases (lm_head.weight of a tied model) left out.</summary>
    private static Dictionary<string, Tensor> Weights(ICausalLM model)
    {
        var tied = model.TiedKeys.ToHashSet(StringComparer.Ordinal);
        return model.Module.state_dict().Where(p => !tied.Contains(p.Key))
            .ToDictionary(p => p.Key, p => p.Value.detach().cpu(), StringComparer.Ordinal);
    }

    private static string WeightsSha256(string modelDir)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var f in Directory.GetFiles(modelDir, "*.safetensors").Order(StringComparer.Ordinal))
            sha.AppendData(File.ReadAllBytes(f));
        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }

    private static string Sha256(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));
}
