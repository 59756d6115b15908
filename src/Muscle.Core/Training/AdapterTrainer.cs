using Muscle.Adapters;
using Muscle.Infrastructure;
using Muscle.Models;
using Muscle.Tasks;
using Muscle.Tokenization;
using static TorchSharp.torch;

namespace Muscle.Training;

/// <summary>Where the task data comes from: the training file and either a validation file or the 80/20 split.</summary>
public sealed record TaskData(ITaskDefinition Task, IReadOnlyList<TaskExample> Train, IReadOnlyList<TaskExample> Valid)
{
    public static TaskData Load(string taskName, string trainPath, string? trainLabels, string? validPath, string? validLabels,
                                AdapterTrainingOptions options)
    {
        var task = TaskRegistry.Get(taskName);
        var train = task.Load(trainPath, trainLabels);
        if (validPath is not null) return new TaskData(task, train, task.Load(validPath, validLabels));
        var (t, v) = TrainValidSplit.Split(train, unchecked((int)options.Seed), options.ValidFraction, trainPath);
        return new TaskData(task, t, v);
    }

    /// <summary>Each example's training sequence (context + gold answer) as ids, encoded as lm-eval scores it.</summary>
    public static List<EncodedPair> Encode(ITaskDefinition task, IEnumerable<TaskExample> examples, MuscleTokenizer tokenizer, int maxSeqLen) =>
        examples.Select(ex =>
        {
            var text = task.TrainingText(ex);
            return tokenizer.Encode(text.Context, text.Answer, maxSeqLen);
        }).ToList();
}

/// <summary>
/// The task-adapter workflow (<c>muscle train-adapter</c>): base loaded and frozen, a fresh LoRA adapter (the only
/// trainable parameters), plain next-token cross-entropy, the shared <see cref="TrainingLoop"/>.
/// </summary>
public static class AdapterTrainer
{
    public static TrainingResult Train(string modelDir, TaskData data, AdapterTrainingOptions options, string outDir,
                                       bool resume, ScalarType dtype, IProgress<TrainingProgress>? progress = null,
                                       Device? device = null)
    {
        options.Validate();
        var layout = new TrainingRunLayout(outDir);
        GuardOutput(layout, resume);
        using var baseModel = TaskModel.Load(modelDir, adapterDir: null, dtype, device);
        var model = baseModel.Model;
        var tokenizer = baseModel.Tokenizer;
        var train = TaskData.Encode(data.Task, data.Train, tokenizer, options.MaxSeqLen);
        var valid = TaskData.Encode(data.Task, data.Valid, tokenizer, options.MaxSeqLen);
        var config = new LoraConfig
        {
            R = options.Rank,
            LoraAlpha = options.Alpha,
            LoraDropout = options.Dropout,
            TargetModules = options.Targets,
        };
        using var adapter = LoraAdapter.Create(model, config, options.Seed);
        adapter.RequiresGrad(true);
        adapter.AttachTo(model);
        var loop = new TrainingLoop(model, adapter, options, new CrossEntropyObjective(model),
                                    tokenizer.PadId ?? tokenizer.EosId ?? 0, progress);
        return loop.Run(train, valid, layout, resume, Path.GetFullPath(modelDir));
    }

    /// <summary>Refuses to silently overwrite a run: an existing checkpoint needs --resume or another --out.</summary>
    public static void GuardOutput(TrainingRunLayout layout, bool resume)
    {
        if (!resume && Directory.Exists(layout.CheckpointDir))
            throw new MuscleInputException("the output directory already holds a training run; pass --resume to continue it or choose another --out", layout.OutDir);
        if (File.Exists(layout.OutDir))
            throw new MuscleInputException("--out must be a directory, but a file is there", layout.OutDir);
    }
}
