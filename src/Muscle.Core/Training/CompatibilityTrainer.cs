using Muscle.Adapters;
using Muscle.Infrastructure;
using Muscle.Tokenization;
using Muscle.Training.Losses;
using static TorchSharp.torch;

namespace Muscle.Training;

/// <summary>The four artefacts of a model update: old base + old task adapter, new base + new task adapter.</summary>
public sealed record UpdatePair(string OldModelDir, string OldAdapterDir, string NewModelDir, string NewAdapterDir);

/// <summary>
/// The compatibility-adapter workflow (<c>muscle train-compat</c>, MUSCLE-SPEC.md §3): teachers M_v1 (old base + old
/// adapter) and M_v2 (new base + new adapter) frozen; the student is the new base plus a copy of the new task adapter,
/// whose LoRA weights are the only trainable parameters; the strategy's loss; the shared <see cref="TrainingLoop"/>.
/// </summary>
public static class CompatibilityTrainer
{
    public static TrainingResult Train(UpdatePair models, TaskData data, AdapterTrainingOptions options,
                                       CompatibilityLossOptions lossOptions, string outDir, bool resume, ScalarType dtype,
                                       IProgress<TrainingProgress>? progress = null, Device? device = null)
    {
        options.Validate();
        lossOptions.Validate();
        var layout = new TrainingRunLayout(outDir);
        AdapterTrainer.GuardOutput(layout, resume);
        using var oldModel = TaskModel.Load(models.OldModelDir, models.OldAdapterDir, dtype, device);
        using var newModel = TaskModel.Load(models.NewModelDir, models.NewAdapterDir, dtype, device);
        RequireSharedVocabulary(oldModel, newModel);

        var tokenizer = newModel.Tokenizer;
        var split = new TokenizedSplit(
            TaskData.Encode(data.Task, data.Train, tokenizer, options.MaxSeqLen),
            TaskData.Encode(data.Task, data.Valid, tokenizer, options.MaxSeqLen),
            options.LossOn, tokenizer.PadId ?? tokenizer.EosId ?? 0);

        var newTaskAdapter = newModel.Adapter!;
        newTaskAdapter.RequiresGrad(false);
        using var student = newTaskAdapter.Clone(); // MUSCLE: initialised from the new task adapter
        student.RequiresGrad(true);
        student.AttachTo(newModel.Model);
        var teachers = new ExactTeachers(oldModel.Model, newModel.Model, newTaskAdapter, student, lossOptions.Temperature);
        ITrainingObjective objective = lossOptions.Strategy.IsChoiceLevel()
            ? ChoiceObjective(data, options, lossOptions, oldModel, newModel, student, split, teachers)
            : new CompatibilityObjective(newModel.Model, student, split, teachers, lossOptions);
        var loop = new TrainingLoop(newModel.Model, student, options, objective, progress);
        return loop.Run(layout, resume, Path.GetFullPath(models.NewModelDir));
    }

    private static ChoiceCompatibilityObjective ChoiceObjective(TaskData data, AdapterTrainingOptions options,
        CompatibilityLossOptions lossOptions, TaskModel oldModel, TaskModel newModel, LoraAdapter student, TokenizedSplit split,
        ITeacherSource teachers)
    {
        if (data.Task.Kind != Tasks.TaskKind.MultipleChoice)
            throw new MuscleInputException($"strategy {lossOptions.Strategy.Id()} distils over answer choices: it needs a multiple-choice task, not {data.Task.Name}");
        var tokenizer = newModel.Tokenizer;
        ChoiceItems Items(IReadOnlyList<Tasks.TaskExample> examples) => new(
            examples.Select(ex => (IReadOnlyList<EncodedPair>)ex.Requests().Select(r => tokenizer.Encode(r.Context, r.Continuation, options.MaxSeqLen)).ToList()).ToList(),
            examples.Select(ex => ex.Gold ?? throw new MuscleInputException($"item '{ex.Id}' has no gold choice")).ToList());
        var train = Items(data.Train);
        var valid = Items(data.Valid);
        var pad = split.PadId;
        // The teachers' choice scores are fixed: compute them once, before training.
        var oldTrain = train.Score(oldModel.Model, options.BatchSize, pad);
        var oldValid = valid.Score(oldModel.Model, options.BatchSize, pad);
        newModel.Adapter!.AttachTo(newModel.Model);
        var newTrain = train.Score(newModel.Model, options.BatchSize, pad);
        var newValid = valid.Score(newModel.Model, options.BatchSize, pad);
        student.AttachTo(newModel.Model);
        return new ChoiceCompatibilityObjective(newModel.Model, student, train, valid, split,
            new TeacherChoiceScores(oldTrain, newTrain, oldValid, newValid), lossOptions.WithTokenLoss ? teachers : null, lossOptions);
    }

    /// <summary>The KL needs one vocabulary: refuse bases whose tokenizers or vocabulary sizes differ (MUSCLE-SPEC.md §8).</summary>
    public static void RequireSharedVocabulary(TaskModel oldModel, TaskModel newModel)
    {
        if (oldModel.Tokenizer.VocabularyFingerprint != newModel.Tokenizer.VocabularyFingerprint)
            throw new MuscleInputException(
                $"the old and new base models have different tokenizers ({oldModel.Tokenizer.VocabSize} vs {newModel.Tokenizer.VocabSize} tokens, " +
                "different token → id maps); MUSCLE's KL needs one shared vocabulary", newModel.ModelDir);
        if (oldModel.Model.Config.VocabSize != newModel.Model.Config.VocabSize)
            throw new MuscleInputException(
                $"the old and new base models have different vocab_size ({oldModel.Model.Config.VocabSize} vs {newModel.Model.Config.VocabSize})",
                newModel.ModelDir);
    }
}
