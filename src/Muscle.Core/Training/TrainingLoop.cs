using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Muscle.Adapters;
using Muscle.Infrastructure;
using Muscle.IO;
using Muscle.Models;
using Muscle.Tokenization;
using TorchSharp;
using static TorchSharp.torch;

namespace Muscle.Training;

/// <summary>
/// What a trainer optimises for one micro-batch. The loop owns everything else (order, accumulation, schedule,
/// validation, checkpoints, resume), so the task-adapter and compatibility trainers differ only here.
/// </summary>
public interface ITrainingObjective
{
    /// <summary>The micro-batch's share of the step loss: its summed loss divided by <paramref name="countedInStep"/>.</summary>
    Tensor MicroBatchLoss(CausalBatch batch, long countedInStep);

    /// <summary>Summed validation loss of one batch (no gradient; the loop divides by the counted tokens).</summary>
    Tensor ValidationSum(CausalBatch batch);
}

/// <summary>Where a run writes: the best adapter at the root (a PEFT directory), checkpoints below.</summary>
public sealed record TrainingRunLayout(string OutDir)
{
    public string CheckpointDir => Path.Combine(OutDir, "checkpoints", "last");
    public string BestDir => Path.Combine(OutDir, "checkpoints", "best");
    public string StateFile => Path.Combine(CheckpointDir, "trainer_state.json");
    public string OptimizerFile => Path.Combine(CheckpointDir, "optimizer.safetensors");
    public string HistoryFile => Path.Combine(OutDir, "training_history.json");
}

/// <summary>Outcome of a run: the epoch whose adapter was kept and the validation losses per epoch.</summary>
public sealed record TrainingResult(int BestEpoch, double BestValidationLoss, IReadOnlyList<double> ValidationLosses, long Steps,
                                    double InitialValidationLoss);

/// <summary>
/// The shared training loop: deterministic data order from the seed, gradient accumulation with the loss divided by
/// the tokens counted over the whole optimizer step, HF linear warmup/decay, validation each epoch, best adapter kept
/// by validation loss, a resumable checkpoint every N steps (adapter, optimizer moments, RNG state, position in the
/// epoch). Resuming after a crash replays the same order, so the result equals an uninterrupted run.
/// </summary>
public sealed class TrainingLoop(
    Models.ICausalLM model, LoraAdapter adapter, AdapterTrainingOptions options, ITrainingObjective objective,
    int padId, IProgress<TrainingProgress>? progress = null)
{
    public TrainingResult Run(IReadOnlyList<EncodedPair> train, IReadOnlyList<EncodedPair> valid, TrainingRunLayout layout,
                              bool resume, string baseModelName)
    {
        options.Validate();
        if (train.Count == 0) throw new MuscleInputException("the training set is empty");
        if (valid.Count == 0) throw new MuscleInputException("the validation set is empty");
        var device = model.Device();
        var microPerEpoch = (train.Count + options.BatchSize - 1) / options.BatchSize;
        var stepsPerEpoch = (microPerEpoch + options.GradAccum - 1) / options.GradAccum;
        var totalSteps = (long)stepsPerEpoch * options.Epochs;
        var schedule = new LearningRateSchedule(options.LearningRate, options.WarmupSteps, totalSteps);

        using var optimizer = new AdamW(adapter.Parameters(), options.LearningRate, options.WeightDecay);
        var state = new LoopState();
        if (resume && File.Exists(layout.StateFile)) state = Restore(layout, optimizer);
        else torch.manual_seed(options.Seed);
        if (double.IsNaN(state.InitialValidLoss)) state.InitialValidLoss = ValidationLoss(valid);

        var clock = Stopwatch.StartNew();
        long tokensSinceLog = 0;
        var logClock = Stopwatch.StartNew();
        Tensor? runningLoss = null; // summed step losses since the last log, kept on device: no sync per step
        var stepsSinceLog = 0;

        for (var epoch = state.Epoch; epoch < options.Epochs; epoch++)
        {
            var order = EpochOrder(train.Count, options.Seed, epoch);
            adapter.Train(true);
            ((nn.Module)model).train(false); // the frozen base keeps dropout off; only LoRA dropout trains
            for (var step = state.StepInEpoch; step < stepsPerEpoch; step++)
            {
                var firstMicro = step * options.GradAccum;
                var micro = Enumerable.Range(firstMicro, Math.Min(options.GradAccum, microPerEpoch - firstMicro))
                    .Select(m => order.Skip(m * options.BatchSize).Take(options.BatchSize).Select(i => train[i]).ToList())
                    .ToList();
                var batches = micro.Select(seqs => CausalBatch.Build(seqs, options.LossOn, padId, device)).ToList();
                try
                {
                    var counted = batches.Sum(b => b.CountedTokens);
                    using (var stepScope = NewDisposeScope())
                    {
                        Tensor stepLoss = zeros(1, dtype: ScalarType.Float32, device: device);
                        if (counted > 0)
                            foreach (var batch in batches)
                            {
                                var loss = objective.MicroBatchLoss(batch, counted);
                                loss.backward();
                                stepLoss = stepLoss + loss.detach();
                            }
                        optimizer.LearningRate = schedule.At(state.GlobalStep);
                        optimizer.StepOnce();
                        optimizer.ZeroGrad();
                        var accumulated = runningLoss is null ? stepLoss : runningLoss + stepLoss;
                        runningLoss?.Dispose();
                        runningLoss = accumulated.detach().DetachFromDisposeScope();
                    }
                    tokensSinceLog += batches.Sum(b => b.RealTokens);
                }
                finally
                {
                    foreach (var b in batches) b.Dispose();
                }
                state.GlobalStep++;
                state.StepInEpoch = step + 1;
                stepsSinceLog++;

                var atLog = state.GlobalStep % options.LogSteps == 0 || step == stepsPerEpoch - 1;
                var atSave = state.GlobalStep % options.SaveSteps == 0;
                if (atLog || atSave)
                {
                    // Host sync point: once per log interval, and before any checkpoint is written.
                    var mean = runningLoss!.item<float>() / stepsSinceLog;
                    if (!double.IsFinite(mean))
                        throw new MuscleInputException(
                            $"non-finite training loss at or before step {state.GlobalStep}; stopped. The last good checkpoint " +
                            $"(step {state.LastSavedStep}) is in {layout.CheckpointDir}: lower --lr or check the data");
                    progress?.Report(new TrainingProgress(epoch + 1, options.Epochs, state.GlobalStep, totalSteps, mean,
                        tokensSinceLog / Math.Max(1e-9, logClock.Elapsed.TotalSeconds), clock.Elapsed));
                    runningLoss.Dispose();
                    runningLoss = null;
                    stepsSinceLog = 0;
                    tokensSinceLog = 0;
                    logClock.Restart();
                    if (atSave)
                    {
                        state.Epoch = epoch;
                        Save(layout, optimizer, state, baseModelName);
                    }
                }
            }

            var validLoss = ValidationLoss(valid);
            state.History.Add(validLoss);
            if (!double.IsFinite(validLoss))
                throw new MuscleInputException($"non-finite validation loss after epoch {epoch + 1}; stopped (last good checkpoint: step {state.LastSavedStep})");
            if (validLoss < state.BestValidLoss)
            {
                state.BestValidLoss = validLoss;
                state.BestEpoch = epoch + 1;
                adapter.Save(layout.BestDir, baseModelName);
            }
            progress?.Report(new TrainingProgress(epoch + 1, options.Epochs, state.GlobalStep, totalSteps, double.NaN, 0,
                clock.Elapsed, validLoss, $"epoch {epoch + 1}: validation loss {validLoss:F4}"));
            state.StepInEpoch = 0;
            state.Epoch = epoch + 1;
            Save(layout, optimizer, state, baseModelName);
        }
        runningLoss?.Dispose();

        PublishBest(layout);
        AtomicFile.WriteAllText(layout.HistoryFile, new JsonObject
        {
            ["best_epoch"] = state.BestEpoch,
            ["best_validation_loss"] = state.BestValidLoss,
            ["initial_validation_loss"] = state.InitialValidLoss,
            ["validation_loss"] = new JsonArray(state.History.Select(h => (JsonNode?)h).ToArray()),
            ["steps"] = state.GlobalStep,
            ["seed"] = options.Seed,
        }.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        return new TrainingResult(state.BestEpoch, state.BestValidLoss, state.History, state.GlobalStep, state.InitialValidLoss);
    }

    /// <summary>Mean validation loss per counted token (the objective's own measure; CE for task adapters).</summary>
    public double ValidationLoss(IReadOnlyList<EncodedPair> valid)
    {
        adapter.Train(false);
        using var _ = no_grad();
        double sum = 0;
        long counted = 0;
        foreach (var chunk in valid.Chunk(options.BatchSize))
        {
            using var scope = NewDisposeScope();
            using var batch = CausalBatch.Build(chunk, options.LossOn, padId, model.Device());
            if (batch.CountedTokens == 0) continue;
            sum += objective.ValidationSum(batch).item<float>();
            counted += batch.CountedTokens;
        }
        adapter.Train(true);
        return counted == 0 ? double.NaN : sum / counted;
    }

    /// <summary>The epoch's permutation: a function of (seed, epoch) only, so a resumed run replays it.</summary>
    public static int[] EpochOrder(int count, long seed, int epoch)
    {
        var order = Enumerable.Range(0, count).ToArray();
        new Random(HashCode.Combine(seed, epoch, 0x5eed)).Shuffle(order);
        return order;
    }

    private sealed class LoopState
    {
        public int Epoch { get; set; }
        public int StepInEpoch { get; set; }
        public long GlobalStep { get; set; }
        public long LastSavedStep { get; set; }
        public double BestValidLoss { get; set; } = double.PositiveInfinity;
        public double InitialValidLoss { get; set; } = double.NaN;
        public int BestEpoch { get; set; }
        public List<double> History { get; init; } = [];
    }

    private void Save(TrainingRunLayout layout, AdamW optimizer, LoopState state, string baseModelName)
    {
        AtomicFile.WriteDirectory(layout.CheckpointDir, dir =>
        {
            adapter.SaveFiles(dir, baseModelName);
            using var scope = NewDisposeScope();
            var tensors = optimizer.StateTensors().ToDictionary(p => p.Key, p => p.Value.detach().cpu());
            tensors["torch_rng_state"] = torch.get_rng_state();
            Safetensors.Save(Path.Combine(dir, Path.GetFileName(layout.OptimizerFile)), tensors);
            var json = new JsonObject
            {
                ["epoch"] = state.Epoch,
                ["step_in_epoch"] = state.StepInEpoch,
                ["global_step"] = state.GlobalStep,
                ["best_validation_loss"] = double.IsFinite(state.BestValidLoss) ? state.BestValidLoss : null,
                ["best_epoch"] = state.BestEpoch,
                ["initial_validation_loss"] = state.InitialValidLoss,
                ["validation_loss"] = new JsonArray(state.History.Select(h => (JsonNode?)h).ToArray()),
                ["seed"] = options.Seed,
                ["options"] = JsonSerializer.SerializeToNode(options),
            };
            File.WriteAllText(Path.Combine(dir, Path.GetFileName(layout.StateFile)), json.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        });
        state.LastSavedStep = state.GlobalStep;
    }

    private LoopState Restore(TrainingRunLayout layout, AdamW optimizer)
    {
        JsonObject json;
        try { json = (JsonObject)JsonNode.Parse(File.ReadAllText(layout.StateFile))!; }
        catch (Exception e) when (e is JsonException or InvalidCastException)
        {
            throw new MuscleInputException($"cannot resume: trainer state is unreadable ({e.Message})", layout.StateFile);
        }
        var saved = json["options"].Deserialize<AdapterTrainingOptions>();
        if (saved is not null && saved with { SaveSteps = options.SaveSteps, LogSteps = options.LogSteps, Epochs = options.Epochs }
            != options with { Targets = saved.Targets })
            throw new MuscleInputException("cannot resume: the training options differ from the checkpoint's (start a new --out)", layout.StateFile);
        using (var loaded = LoraAdapter.Load(layout.CheckpointDir, model))
            adapter.CopyFrom(loaded);
        using var scope = NewDisposeScope();
        var tensors = Safetensors.Load(layout.OptimizerFile);
        optimizer.LoadState(tensors, layout.OptimizerFile);
        torch.set_rng_state(tensors["torch_rng_state"]);
        var state = new LoopState
        {
            Epoch = json["epoch"]!.GetValue<int>(),
            StepInEpoch = json["step_in_epoch"]!.GetValue<int>(),
            GlobalStep = json["global_step"]!.GetValue<long>(),
            BestValidLoss = json["best_validation_loss"]?.GetValue<double>() ?? double.PositiveInfinity,
            BestEpoch = json["best_epoch"]!.GetValue<int>(),
            InitialValidLoss = json["initial_validation_loss"]!.GetValue<double>(),
            History = json["validation_loss"]!.AsArray().Select(n => n!.GetValue<double>()).ToList(),
        };
        state.LastSavedStep = state.GlobalStep;
        return state;
    }

    /// <summary>Copies the best adapter's two PEFT files to the run's root, so <c>--adapter OUT</c> works.</summary>
    private static void PublishBest(TrainingRunLayout layout)
    {
        foreach (var f in new[] { LoraAdapter.WeightsFileName, LoraConfig.FileName })
        {
            var bytes = File.ReadAllBytes(Path.Combine(layout.BestDir, f));
            AtomicFile.WriteAllBytes(Path.Combine(layout.OutDir, f), bytes);
        }
    }
}
