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
/// The one training loop of every recipe: the plan's deterministic data order, gradient accumulation with the loss
/// divided by the tokens counted over the whole optimizer step, AdamW with HF linear warmup/decay, the loss read back
/// only when logging, validation after each epoch with the best weights kept (when the plan validates), a resumable
/// checkpoint every N steps (weights, optimizer moments, RNG state, step, seed, resolved recipe, loss history).
/// Resuming after a crash replays the same order from the step, so the result equals an uninterrupted run bit for bit.
/// What is trained (an adapter or every parameter) is <see cref="ITrainableWeights"/>; what is optimised is
/// <see cref="ITrainingObjective"/>; which items each step takes is <see cref="IBatchPlan"/>.
/// </summary>
public sealed class TrainingLoop(
    ITrainableWeights weights, ITrainingObjective objective, IBatchPlan plan, TrainingSettings settings,
    IProgress<RunEvent>? progress = null)
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>
    /// The adapter recipes' loop: <paramref name="adapter"/> over the frozen <paramref name="model"/>, whole epochs of
    /// <see cref="AdapterTrainingOptions.GradAccum"/> micro-batches per step, validated after each epoch.
    /// </summary>
    public static TrainingLoop ForAdapter(ICausalLM model, LoraAdapter adapter, AdapterTrainingOptions options,
                                          ITrainingObjective objective, string baseModelName,
                                          IProgress<RunEvent>? progress = null, RunInputs? inputs = null, ScalarType? dtype = null)
    {
        options.Validate();
        if (objective.TrainCount == 0) throw new MuscleInputException("the training set is empty");
        IBatchPlan plan = new EpochBatchPlan(objective.TrainCount, options.BatchSize, options.GradAccum, options.Epochs, options.Seed);
        if (options.MaxSteps is { } maxSteps) plan = new StepLimitedPlan(plan, maxSteps);
        if (progress is not null) foreach (var warning in RankWarnings(model, adapter)) progress.Report(new TrainingWarning(warning));
        var settings = TrainingSettings.For(options) with { Inputs = inputs };
        // The base model's dtype changes every forward pass: a resume must keep it.
        if (dtype is { } t) settings.Recipe["dtype"] = DTypes.Name(t);
        return new TrainingLoop(new AdapterWeights(model, adapter, baseModelName), objective, plan, settings, progress);
    }

    /// <summary>
    /// A LoRA rank that is not low: at or above the model's hidden size, or above min(in, out) of a targeted layer, where
    /// the update B·A cannot have more than min(in, out) rank and the rest only adds parameters (LoRA, arXiv 2106.09685 §4).
    /// </summary>
    private static IEnumerable<string> RankWarnings(ICausalLM model, LoraAdapter adapter)
    {
        var rank = adapter.Layers.Values.Select(l => l.Rank).DefaultIfEmpty().Max();
        var hidden = model.Config.HiddenSize;
        if (rank >= hidden)
            yield return $"LoRA rank {rank} >= the model's hidden size {hidden}: the adapter is not low-rank (--rank)";
        var over = adapter.Layers.Where(p => p.Value.Rank > Math.Min(p.Value.InFeatures, p.Value.OutFeatures))
            .OrderBy(p => p.Key, StringComparer.Ordinal).ToList();
        if (over.Count > 0)
        {
            var (name, layer) = (over[0].Key, over[0].Value);
            yield return $"LoRA rank {layer.Rank} > min(in, out) of {over.Count} targeted layer{(over.Count == 1 ? "" : "s")} " +
                         $"(e.g. {name}: {layer.InFeatures} -> {layer.OutFeatures}): their update cannot exceed rank " +
                         $"{Math.Min(layer.InFeatures, layer.OutFeatures)}, the rest only adds parameters (--rank, --targets)";
        }
    }

    public TrainingResult Run(TrainingRunLayout layout, bool resume)
    {
        if (objective.TrainCount == 0) throw new MuscleInputException("the training set is empty");
        if (plan.ValidatesEachEpoch && objective.ValidCount == 0) throw new MuscleInputException("the validation set is empty");
        var totalSteps = plan.TotalSteps;
        var schedule = new LearningRateSchedule(settings.LearningRate, settings.WarmupSteps, totalSteps);
        if (settings.WarmupSteps >= totalSteps)
            progress?.Report(new TrainingWarning(
                $"--warmup {settings.WarmupSteps} >= the run's {totalSteps} optimizer steps: the learning rate never reaches --lr {settings.LearningRate}"));

        using var optimizer = new AdamW(weights.Parameters(settings.WeightDecay), settings.LearningRate);
        var state = new LoopState();
        // A checkpoint directory without this loop's state file (an older muscle's format) cannot be resumed; starting
        // from step 0 over it without a word would mix two runs.
        if (resume && Directory.Exists(layout.CheckpointDir) && !File.Exists(layout.StateFile))
            throw new MuscleInputException(
                $"cannot resume: {layout.CheckpointDir} holds no {TrainingRunLayout.StateFileName} (a checkpoint in an older format?); start a new --out",
                layout.CheckpointDir);
        if (resume && File.Exists(layout.StateFile))
        {
            state = Restore(layout, optimizer);
            progress?.Report(new TrainingResumed(state.GlobalStep, totalSteps, layout.CheckpointDir));
        }
        else if (settings.SeedsTorch) torch.manual_seed(settings.Seed);
        if (plan.ValidatesEachEpoch && double.IsNaN(state.InitialValidLoss)) state.InitialValidLoss = ValidationLoss();

        var clock = Stopwatch.StartNew();
        long tokensSinceLog = 0;
        var logClock = Stopwatch.StartNew();
        using var runningLoss = new DeviceSum(); // summed step losses since the last log: no sync per step
        var stepsSinceLog = 0;
        var device = optimizer.Parameters[0].device;
        weights.SetTraining(true);
        var stop = TrainingStop.Current;
        using var listening = stop?.Listen();

        while (true)
        {
            // An epoch that ended at the previous step is validated before the next step: a run resumed from a
            // checkpoint written at an epoch's last step (before its validation) still validates that epoch.
            var last = state.GlobalStep - 1;
            if (plan.ValidatesEachEpoch && last >= 0 && plan.EndsEpoch(last) && state.History.Count <= plan.EpochOf(last))
            {
                EndEpoch(layout, optimizer, state, plan.EpochOf(last), totalSteps, clock);
                logClock.Restart();
                tokensSinceLog = 0;
            }
            if (state.GlobalStep >= totalSteps) break;
            if (stop is { IsRequested: true }) StopHere(layout, optimizer, state, clock, runningLoss, ref stepsSinceLog, totalSteps);

            var step = state.GlobalStep;
            var micro = plan.MicroBatches(step);
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
                optimizer.LearningRate = schedule.At(step);
                optimizer.StepOnce();
                optimizer.ZeroGrad();
                runningLoss.Add(stepLoss);
            }
            tokensSinceLog += objective.Tokens(stepItems);
            state.GlobalStep = step + 1;
            stepsSinceLog++;

            var atLog = state.GlobalStep % settings.LogSteps == 0 || plan.EndsEpoch(step) || state.GlobalStep == totalSteps
                        || (settings.LogsFirstStep && state.GlobalStep == 1);
            // A validated run also saves after each epoch's validation, its last step included.
            var atSave = state.GlobalStep % settings.SaveSteps == 0 || (state.GlobalStep == totalSteps && !plan.ValidatesEachEpoch);
            if (!atLog && !atSave) continue;
            // Host sync point: once per log interval, and before any checkpoint is written.
            var mean = runningLoss.Take() / stepsSinceLog;
            if (!double.IsFinite(mean))
            {
                var steps = stepsSinceLog == 1 ? "" : $" (mean of steps {state.GlobalStep - stepsSinceLog + 1}–{state.GlobalStep})";
                throw new MuscleInputException(
                    $"non-finite training loss at step {state.GlobalStep}{steps}; stopped. {LastGood(state, layout)}: lower --lr or check the data");
            }
            state.LossHistory.Add(new LossPoint(state.GlobalStep, mean));
            progress?.Report(new StepProgress(state.GlobalStep, totalSteps, plan.EpochOf(step) + 1, plan.Epochs, mean,
                tokensSinceLog / Math.Max(1e-9, logClock.Elapsed.TotalSeconds), state.ElapsedBefore + clock.Elapsed));
            stepsSinceLog = 0;
            tokensSinceLog = 0;
            logClock.Restart();
            if (atSave)
            {
                // The loss checked above was computed before this step's update, which can still overflow
                // the weights (inf gradients → NaN moments): never overwrite the last good checkpoint with them.
                if (!AllFinite(optimizer))
                    throw new MuscleInputException(
                        $"non-finite weights after step {state.GlobalStep}; stopped. {LastGood(state, layout)}: lower --lr or check the data");
                Save(layout, optimizer, state, clock);
            }
        }

        if (plan.ValidatesEachEpoch)
        {
            PublishBest(layout);
            AtomicFile.WriteAllText(layout.HistoryFile, new JsonObject
            {
                ["best_epoch"] = state.BestEpoch,
                ["best_validation_loss"] = state.BestValidLoss,
                ["initial_validation_loss"] = state.InitialValidLoss,
                ["validation_loss"] = new JsonArray(state.History.Select(h => (JsonNode?)h).ToArray()),
                ["epoch_stats"] = StatsJson(state.EpochStats),
                ["steps"] = state.GlobalStep,
                ["seed"] = settings.Seed,
            }.ToJsonString(Indented));
        }
        return new TrainingResult(state.BestEpoch, state.BestValidLoss, state.History, state.GlobalStep, state.InitialValidLoss,
            state.LossHistory, state.ElapsedBefore + clock.Elapsed);
    }

    /// <summary>
    /// Ends the run on a <see cref="TrainingStop"/> request at a step boundary: the steps since the last checkpoint are
    /// saved (their loss logged first, as at any save) unless they are not finite, then <see cref="TrainingStoppedException"/>.
    /// A rerun with resume continues from here exactly as from any checkpoint.
    /// </summary>
    private void StopHere(TrainingRunLayout layout, AdamW optimizer, LoopState state, Stopwatch clock, DeviceSum runningLoss,
                          ref int stepsSinceLog, long totalSteps)
    {
        var saved = false;
        if (state.LastSavedStep != state.GlobalStep)
        {
            var mean = stepsSinceLog == 0 ? 0 : runningLoss.Take() / stepsSinceLog;
            if (stepsSinceLog > 0 && double.IsFinite(mean)) state.LossHistory.Add(new LossPoint(state.GlobalStep, mean));
            if (double.IsFinite(mean) && AllFinite(optimizer))
            {
                Save(layout, optimizer, state, clock);
                saved = true;
            }
            stepsSinceLog = 0;
        }
        throw new TrainingStoppedException(state.LastSavedStep, totalSteps, layout.CheckpointDir, saved);
    }

    /// <summary>The objective's validation (selection) loss, with the weights in eval mode.</summary>
    public double ValidationLoss()
    {
        weights.SetTraining(false);
        try
        {
            using var _ = no_grad();
            return objective.ValidationLoss(settings.ValidationBatchSize);
        }
        finally
        {
            weights.SetTraining(true);
        }
    }

    private void EndEpoch(TrainingRunLayout layout, AdamW optimizer, LoopState state, int epoch, long totalSteps, Stopwatch clock)
    {
        var validLoss = ValidationLoss();
        var stats = EpochSummary(state, epoch, validLoss, objective.TakeEpochStats(), state.ElapsedBefore + clock.Elapsed);
        state.History.Add(validLoss);
        if (!double.IsFinite(validLoss))
            throw new MuscleInputException($"non-finite validation loss after epoch {epoch + 1}; stopped. {LastGood(state, layout)}");
        if (validLoss < state.BestValidLoss)
        {
            state.BestValidLoss = validLoss;
            state.BestEpoch = epoch + 1;
            AtomicFile.WriteDirectory(layout.BestDir, weights.Save);
        }
        progress?.Report(new ValidationDone(state.GlobalStep, totalSteps, epoch + 1, plan.Epochs, validLoss, stats,
            state.ElapsedBefore + clock.Elapsed));
        state.EpochStats.Add(stats);
        Save(layout, optimizer, state, clock);
    }

    /// <summary>
    /// An epoch's line of <c>epoch_stats</c>: the loop's own figures (mean training loss over the epoch's steps, the
    /// validation loss, the optimizer steps, the wall seconds since the previous epoch ended, validation included) and
    /// then the objective's named terms.
    /// </summary>
    private Dictionary<string, double> EpochSummary(LoopState state, int epoch, double validLoss,
                                                    IReadOnlyDictionary<string, double> objectiveStats, TimeSpan elapsed)
    {
        // Every epoch's last step is a log point, so the loss history's intervals tile the epochs: each point is the
        // mean over the steps since the previous one.
        double lossSum = 0;
        long steps = 0, previous = 0;
        foreach (var point in state.LossHistory)
        {
            if (plan.EpochOf(point.Step - 1) == epoch)
            {
                lossSum += point.Loss * (point.Step - previous);
                steps += point.Step - previous;
            }
            previous = point.Step;
        }
        var secondsBefore = state.EpochStats.Sum(e => e.TryGetValue("seconds", out var s) ? s : 0);
        var summary = new Dictionary<string, double>
        {
            ["epoch"] = epoch + 1,
            ["validation_loss"] = validLoss,
            ["steps"] = steps,
            ["seconds"] = Math.Round(elapsed.TotalSeconds - secondsBefore, 3),
        };
        if (steps > 0) summary["train_loss"] = lossSum / steps;
        foreach (var (key, value) in objectiveStats) summary[key] = value;
        return summary;
    }

    private sealed class LoopState
    {
        public long GlobalStep { get; set; }
        public long LastSavedStep { get; set; }
        public double BestValidLoss { get; set; } = double.PositiveInfinity;
        public double InitialValidLoss { get; set; } = double.NaN;
        public int BestEpoch { get; set; }
        public TimeSpan ElapsedBefore { get; init; }
        public List<double> History { get; init; } = [];
        public List<IReadOnlyDictionary<string, double>> EpochStats { get; init; } = [];
        public List<LossPoint> LossHistory { get; init; } = [];
    }

    // Before the first save there is no checkpoint to point at (a NaN base fails at step 1).
    private static string LastGood(LoopState state, TrainingRunLayout layout) => state.LastSavedStep > 0
        ? $"The last good checkpoint (step {state.LastSavedStep}) is in {layout.CheckpointDir}"
        : "No checkpoint was written yet";

    private static bool AllFinite(AdamW optimizer)
    {
        using var scope = NewDisposeScope();
        return optimizer.Parameters.All(p => isfinite(p.detach()).all().item<bool>());
    }

    private void Save(TrainingRunLayout layout, AdamW optimizer, LoopState state, Stopwatch clock)
    {
        AtomicFile.WriteDirectory(layout.CheckpointDir, dir =>
        {
            weights.Save(dir);
            using var scope = NewDisposeScope();
            var tensors = optimizer.StateTensors().ToDictionary(p => p.Key, p => p.Value.detach().cpu());
            tensors["torch_rng_state"] = torch.get_rng_state();
            Safetensors.Save(Path.Combine(dir, TrainingRunLayout.OptimizerFileName), tensors);
            var json = new JsonObject
            {
                ["global_step"] = state.GlobalStep,
                ["best_validation_loss"] = double.IsFinite(state.BestValidLoss) ? state.BestValidLoss : null,
                ["best_epoch"] = state.BestEpoch,
                ["initial_validation_loss"] = double.IsNaN(state.InitialValidLoss) ? null : state.InitialValidLoss,
                ["validation_loss"] = new JsonArray(state.History.Select(h => (JsonNode?)h).ToArray()),
                ["epoch_stats"] = StatsJson(state.EpochStats),
                ["loss_history"] = new JsonArray(state.LossHistory.Select(h => (JsonNode?)new JsonArray(h.Step, h.Loss)).ToArray()),
                ["elapsed_seconds"] = Math.Round((state.ElapsedBefore + clock.Elapsed).TotalSeconds, 1),
                ["seed"] = settings.Seed,
                ["torch"] = torch.__version__,
                ["recipe"] = settings.Recipe.DeepClone(),
                ["inputs"] = settings.Inputs?.ToJson(),
            };
            File.WriteAllText(Path.Combine(dir, TrainingRunLayout.StateFileName), json.ToJsonString(Indented));
        });
        state.LastSavedStep = state.GlobalStep;
    }

    private LoopState Restore(TrainingRunLayout layout, AdamW optimizer)
    {
        JsonObject json;
        try { json = (JsonObject)JsonNode.Parse(File.ReadAllText(layout.StateFile))!; }
        catch (Exception e) when (e is JsonException or InvalidCastException or NullReferenceException)
        {
            throw new MuscleInputException($"cannot resume: trainer state is unreadable ({e.Message})", layout.StateFile);
        }
        CheckInputs(json, layout);
        // Checkpoints written before the recipe key held the adapter options under "options".
        if (settings.RecipeDifference(json["recipe"] ?? json["options"]) is { } changed)
            throw new MuscleInputException(
                $"cannot resume: the recipe differs from the checkpoint's ({changed}); start a new --out", layout.StateFile);
        var state = ReadState(json, layout);
        weights.Restore(layout.CheckpointDir);
        using var scope = NewDisposeScope();
        var tensors = Safetensors.Load(layout.OptimizerFile);
        optimizer.LoadState(tensors, layout.OptimizerFile);
        CheckOptimizerState(optimizer, tensors, state, layout);
        torch.set_rng_state(tensors["torch_rng_state"]);
        return state;
    }

    /// <summary>A resume continues only on the inputs the run started on (<see cref="RunInputs"/>), by content.</summary>
    private void CheckInputs(JsonObject json, TrainingRunLayout layout)
    {
        if (settings.Inputs is null) return;
        if (json["inputs"] is null)
            throw new MuscleInputException(
                "--resume: the checkpoint does not record what the run was started on (written by an older muscle), so a resume cannot be checked; start a new --out",
                layout.StateFile);
        string? difference;
        try { difference = settings.Inputs.Difference(json["inputs"]); }
        catch (Exception e) when (e is FormatException or InvalidOperationException)
        {
            throw new MuscleInputException($"cannot resume: the checkpoint is corrupt: its 'inputs' record is malformed ({e.Message})", layout.StateFile);
        }
        if (difference is not null) throw new MuscleInputException($"--resume: {difference}; start a new --out");
    }

    /// <summary>The loop's counters from the state file, checked against this run's plan: a bad one is called corrupt by file.</summary>
    private LoopState ReadState(JsonObject json, TrainingRunLayout layout)
    {
        LoopState state;
        try
        {
            state = new LoopState
            {
                GlobalStep = json["global_step"]!.GetValue<long>(),
                BestValidLoss = json["best_validation_loss"]?.GetValue<double>() ?? double.PositiveInfinity,
                BestEpoch = json["best_epoch"]!.GetValue<int>(),
                InitialValidLoss = json["initial_validation_loss"]?.GetValue<double>() ?? double.NaN,
                History = json["validation_loss"]!.AsArray().Select(n => n!.GetValue<double>()).ToList(),
                EpochStats = json["epoch_stats"]!.AsArray()
                    .Select(o => (IReadOnlyDictionary<string, double>)o!.AsObject().ToDictionary(p => p.Key, p => p.Value!.GetValue<double>()))
                    .ToList(),
                LossHistory = json["loss_history"]?.AsArray()
                    .Select(p => new LossPoint(p![0]!.GetValue<long>(), p[1]!.GetValue<double>())).ToList() ?? [],
                ElapsedBefore = TimeSpan.FromSeconds(Seconds(json["elapsed_seconds"]?.GetValue<double>() ?? 0)),
            };
            state.LastSavedStep = state.GlobalStep;
        }
        catch (Exception e) when (e is InvalidOperationException or NullReferenceException or FormatException or ArgumentException or OverflowException)
        {
            throw new MuscleInputException($"cannot resume: trainer state is malformed ({e.Message})", layout.StateFile);
        }
        var total = plan.TotalSteps;
        string? problem =
            state.GlobalStep < 0 || state.GlobalStep > total ? $"global_step {state.GlobalStep} is outside [0, {total}], the run's total steps"
            : state.BestEpoch < 0 || state.BestEpoch > plan.Epochs ? $"best_epoch {state.BestEpoch} is outside [0, {plan.Epochs}]"
            : state.History.Count > plan.Epochs ? $"validation_loss has {state.History.Count} epochs, more than the run's {plan.Epochs}"
            : state.BestEpoch > state.History.Count ? $"best_epoch {state.BestEpoch} has no validation_loss"
            : state.History.Any(v => !double.IsFinite(v)) ? "validation_loss holds a non-finite number"
            : double.IsNaN(state.BestValidLoss) || double.IsNegativeInfinity(state.BestValidLoss) ? "best_validation_loss is not a finite number"
            : double.IsInfinity(state.InitialValidLoss) ? "initial_validation_loss is not a finite number"
            : state.LossHistory.Any(p => !double.IsFinite(p.Loss)) ? "loss_history holds a non-finite loss"
            : state.LossHistory.Any(p => p.Step < 1 || p.Step > state.GlobalStep) ? $"loss_history has a step outside [1, {state.GlobalStep}] (global_step)"
            : null;
        if (problem is not null) throw new MuscleInputException($"cannot resume: the checkpoint is corrupt: {problem}", layout.StateFile);
        return state;

        double Seconds(double s) => double.IsFinite(s) && s >= 0 ? s
            : throw new FormatException($"elapsed_seconds {s} is not a finite number of seconds");
    }

    /// <summary>The optimizer's moments are finite (second moments ≥ 0), its step is the loop's, and the RNG state is there.</summary>
    private static void CheckOptimizerState(AdamW optimizer, IReadOnlyDictionary<string, Tensor> tensors, LoopState state, TrainingRunLayout layout)
    {
        string? problem =
            !tensors.ContainsKey("torch_rng_state") ? "it holds no torch_rng_state"
            : optimizer.Step != state.GlobalStep ? $"its step {optimizer.Step} is not the trainer state's global_step {state.GlobalStep}"
            : !optimizer.StateTensors().All(p => isfinite(p.Value).all().item<bool>()) ? "it holds non-finite moments"
            : optimizer.StateTensors().Where(p => p.Key.StartsWith("exp_avg_sq.", StringComparison.Ordinal)).Any(p => (p.Value < 0).any().item<bool>())
                ? "it holds negative second moments"
            : null;
        if (problem is not null) throw new MuscleInputException($"cannot resume: the checkpoint is corrupt: {problem}", layout.OptimizerFile);
    }

    private static JsonArray StatsJson(IEnumerable<IReadOnlyDictionary<string, double>> stats) =>
        new(stats.Select(d => (JsonNode?)new JsonObject(d.Select(p => KeyValuePair.Create(p.Key, (JsonNode?)p.Value)))).ToArray());

    /// <summary>Copies the best weights' files to the run's root (for an adapter: <c>--adapter OUT</c> works).</summary>
    private static void PublishBest(TrainingRunLayout layout)
    {
        foreach (var file in Directory.GetFiles(layout.BestDir).Order(StringComparer.Ordinal))
            AtomicFile.WriteAllBytes(Path.Combine(layout.OutDir, Path.GetFileName(file)), File.ReadAllBytes(file));
    }
}
