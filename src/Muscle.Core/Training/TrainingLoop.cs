using System.Diagnostics;
using System.Text.Json.Nodes;
using System.Text.Json;
using Muscle.Adapters;
using Muscle.Events;
using Muscle.IO;
using Muscle.Infrastructure;
using Muscle.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Muscle.Training;

/// <summary>
/// The shared training loop: deterministic data order from the seed, gradient accumulation with the loss divided by
/// the tokens counted over the whole optimizer step, HF linear warmup/decay, validation each epoch, best adapter kept
/// by validation loss, a resumable checkpoint every N steps (adapter, optimizer moments, RNG state, position in the
/// epoch). Resuming after a crash replays the same order, so the result equals an uninterrupted run.
/// </summary>
public sealed class TrainingLoop(
    Models.ICausalLM model, LoraAdapter adapter, AdapterTrainingOptions options, ITrainingObjective objective,
    IProgress<RunEvent>? progress = null)
{
    public TrainingResult Run(TrainingRunLayout layout, bool resume, string baseModelName)
    {
        options.Validate();
        if (objective.TrainCount == 0) throw new MuscleInputException("the training set is empty");
        if (objective.ValidCount == 0) throw new MuscleInputException("the validation set is empty");
        var device = model.Device();
        var trainCount = objective.TrainCount;
        var microPerEpoch = (trainCount + options.BatchSize - 1) / options.BatchSize;
        var stepsPerEpoch = (microPerEpoch + options.GradAccum - 1) / options.GradAccum;
        var totalSteps = (long)stepsPerEpoch * options.Epochs;
        var schedule = new LearningRateSchedule(options.LearningRate, options.WarmupSteps, totalSteps);

        using var optimizer = new AdamW(adapter.Parameters(), options.LearningRate, options.WeightDecay);
        var state = new LoopState();
        if (resume && File.Exists(layout.StateFile)) state = Restore(layout, optimizer);
        else torch.manual_seed(options.Seed);
        if (double.IsNaN(state.InitialValidLoss)) state.InitialValidLoss = ValidationLoss();

        var clock = Stopwatch.StartNew();
        long tokensSinceLog = 0;
        var logClock = Stopwatch.StartNew();
        using var runningLoss = new DeviceSum(); // summed step losses since the last log: no sync per step
        var stepsSinceLog = 0;

        for (var epoch = state.Epoch; epoch < options.Epochs; epoch++)
        {
            var order = EpochOrder(trainCount, options.Seed, epoch);
            adapter.Train(true);
            model.Module.train(false); // the frozen base keeps dropout off; only LoRA dropout trains
            for (var step = state.StepInEpoch; step < stepsPerEpoch; step++)
            {
                var firstMicro = step * options.GradAccum;
                var micro = Enumerable.Range(firstMicro, Math.Min(options.GradAccum, microPerEpoch - firstMicro))
                    .Select(m => (IReadOnlyList<int>)order.Skip(m * options.BatchSize).Take(options.BatchSize).ToArray())
                    .ToList();
                var stepItems = micro.SelectMany(m => m).ToArray();
                using (var stepScope = NewDisposeScope())
                {
                    Tensor stepLoss = zeros(1, dtype: ScalarType.Float32, device: device);
                    foreach (var items in micro)
                    {
                        var loss = objective.MicroBatchLoss(items, stepItems);
                        loss.backward();
                        stepLoss = stepLoss + loss.detach();
                    }
                    optimizer.LearningRate = schedule.At(state.GlobalStep);
                    optimizer.StepOnce();
                    optimizer.ZeroGrad();
                    runningLoss.Add(stepLoss);
                }
                tokensSinceLog += objective.Tokens(stepItems);
                state.GlobalStep++;
                state.StepInEpoch = step + 1;
                stepsSinceLog++;

                var atLog = state.GlobalStep % options.LogSteps == 0 || step == stepsPerEpoch - 1;
                var atSave = state.GlobalStep % options.SaveSteps == 0;
                if (atLog || atSave)
                {
                    // Host sync point: once per log interval, and before any checkpoint is written.
                    var mean = runningLoss.Take() / stepsSinceLog;
                    if (!double.IsFinite(mean))
                        throw new MuscleInputException(
                            $"non-finite training loss at or before step {state.GlobalStep}; stopped. {LastGood(state, layout)}: lower --lr or check the data");
                    progress?.Report(new StepProgress(state.GlobalStep, totalSteps, epoch + 1, options.Epochs, mean,
                        tokensSinceLog / Math.Max(1e-9, logClock.Elapsed.TotalSeconds), clock.Elapsed));
                    stepsSinceLog = 0;
                    tokensSinceLog = 0;
                    logClock.Restart();
                    if (atSave)
                    {
                        // The loss checked above was computed before this step's update, which can still overflow
                        // the weights (inf gradients → NaN moments): never overwrite the last good checkpoint with them.
                        if (!AllFinite(adapter))
                            throw new MuscleInputException(
                                $"non-finite adapter weights after step {state.GlobalStep}; stopped. {LastGood(state, layout)}: lower --lr or check the data");
                        state.Epoch = epoch;
                        Save(layout, optimizer, state, baseModelName);
                    }
                }
            }

            var validLoss = ValidationLoss();
            var stats = objective.TakeEpochStats();
            state.History.Add(validLoss);
            if (!double.IsFinite(validLoss))
                throw new MuscleInputException($"non-finite validation loss after epoch {epoch + 1}; stopped. {LastGood(state, layout)}");
            if (validLoss < state.BestValidLoss)
            {
                state.BestValidLoss = validLoss;
                state.BestEpoch = epoch + 1;
                adapter.Save(layout.BestDir, baseModelName);
            }
            progress?.Report(new ValidationDone(state.GlobalStep, totalSteps, epoch + 1, options.Epochs, validLoss, stats, clock.Elapsed));
            state.EpochStats.Add(stats);
            logClock.Restart();
            tokensSinceLog = 0;
            state.StepInEpoch = 0;
            state.Epoch = epoch + 1;
            Save(layout, optimizer, state, baseModelName);
        }

        PublishBest(layout);
        AtomicFile.WriteAllText(layout.HistoryFile, new JsonObject
        {
            ["best_epoch"] = state.BestEpoch,
            ["best_validation_loss"] = state.BestValidLoss,
            ["initial_validation_loss"] = state.InitialValidLoss,
            ["validation_loss"] = new JsonArray(state.History.Select(h => (JsonNode?)h).ToArray()),
            ["epoch_stats"] = StatsJson(state.EpochStats),
            ["steps"] = state.GlobalStep,
            ["seed"] = options.Seed,
        }.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        return new TrainingResult(state.BestEpoch, state.BestValidLoss, state.History, state.GlobalStep, state.InitialValidLoss);
    }

    /// <summary>The objective's validation (selection) loss, with the adapter in eval mode.</summary>
    public double ValidationLoss()
    {
        adapter.Train(false);
        try
        {
            using var _ = no_grad();
            return objective.ValidationLoss(options.BatchSize);
        }
        finally
        {
            adapter.Train(true);
        }
    }

    /// <summary>The epoch's permutation: a function of (seed, epoch) only, so a resumed run replays it.</summary>
    public static int[] EpochOrder(int count, long seed, int epoch)
    {
        var order = Enumerable.Range(0, count).ToArray();
        // A stable PRNG: HashCode and System.Random's seeding differ between processes or .NET versions, and a resumed
        // run in a new process must replay exactly the same order.
        StableRandom.Stream(seed, $"epoch-order/{epoch}").Shuffle(order);
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
        public List<IReadOnlyDictionary<string, double>> EpochStats { get; init; } = [];
    }

    // Before the first save there is no checkpoint to point at (a NaN base fails at step 1).
    private static string LastGood(LoopState state, TrainingRunLayout layout) => state.LastSavedStep > 0
        ? $"The last good checkpoint (step {state.LastSavedStep}) is in {layout.CheckpointDir}"
        : "No checkpoint was written yet";

    private static bool AllFinite(LoraAdapter adapter)
    {
        using var scope = NewDisposeScope();
        return adapter.Parameters().All(p => isfinite(p.detach()).all().item<bool>());
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
                ["epoch_stats"] = StatsJson(state.EpochStats),
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
            EpochStats = json["epoch_stats"]!.AsArray()
                .Select(o => (IReadOnlyDictionary<string, double>)o!.AsObject().ToDictionary(p => p.Key, p => p.Value!.GetValue<double>()))
                .ToList(),
        };
        state.LastSavedStep = state.GlobalStep;
        return state;
    }

    private static JsonArray StatsJson(IEnumerable<IReadOnlyDictionary<string, double>> stats) =>
        new(stats.Select(d => (JsonNode?)new JsonObject(d.Select(p => KeyValuePair.Create(p.Key, (JsonNode?)p.Value)))).ToArray());

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
