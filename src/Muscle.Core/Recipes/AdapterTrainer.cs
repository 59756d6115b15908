using Muscle.Adapters;
using Muscle.Events;
using Muscle.Infrastructure;
using Muscle.Training;
using static TorchSharp.torch;

namespace Muscle.Recipes;

/// <summary>
/// The task-adapter workflow (<c>muscle train-adapter</c>): base loaded and frozen, a fresh LoRA adapter (the only
/// trainable parameters), plain next-token cross-entropy, the shared <see cref="TrainingLoop"/>.
/// </summary>
public static class AdapterTrainer
{
    public static TrainingResult Train(string modelDir, TaskData data, AdapterTrainingOptions options, string outDir,
                                       bool resume, ScalarType dtype, IProgress<RunEvent>? progress = null,
                                       Device? device = null, RunInputs? inputs = null)
    {
        options.Validate();
        var layout = new TrainingRunLayout(outDir);
        GuardOutput(layout, resume);
        using var baseModel = TaskModel.Load(modelDir, adapterDir: null, dtype, device);
        var model = baseModel.Model;
        var tokenizer = baseModel.Tokenizer;
        var train = TaskData.Encode(data.Task, data.Train, tokenizer, options.MaxSeqLen);
        var valid = TaskData.Encode(data.Task, data.Valid, tokenizer, options.MaxSeqLen);
        using var adapter = model.AddAdapter(TaskModel.AdapterName, options.ToLoraConfig(), options.Seed);
        adapter.RequiresGrad(true);
        model.SetAdapter(adapter.Name);
        var split = new TokenizedSplit(train, valid, options.LossOn, tokenizer.PadId ?? tokenizer.EosId ?? 0);
        var loop = TrainingLoop.ForAdapter(model, adapter, options, new CrossEntropyObjective(model, split), Path.GetFullPath(modelDir), progress, inputs, dtype);
        return loop.Run(layout, resume);
    }

    /// <summary>
    /// Refuses to silently overwrite a run: an existing checkpoint needs --resume or another --out. First clears what a
    /// kill during a checkpoint write left (<see cref="TrainingRunLayout.TidyInterruptedWrites"/>).
    /// </summary>
    public static void GuardOutput(TrainingRunLayout layout, bool resume)
    {
        if (File.Exists(layout.OutDir))
            throw new MuscleInputException("--out must be a directory, but a file is there", layout.OutDir);
        layout.TidyInterruptedWrites();
        if (!resume && Directory.Exists(layout.CheckpointDir))
            throw new MuscleInputException("the output directory already holds a training run; pass --resume to continue it or choose another --out", layout.OutDir);
        if (File.Exists(layout.OutDir))
            throw new MuscleInputException("--out must be a directory, but a file is there", layout.OutDir);
    }
}
