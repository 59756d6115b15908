using Muscle.Adapters;
using Muscle.Distillation;
using Muscle.Events;
using Muscle.Infrastructure;
using Muscle.Training;
using static TorchSharp.torch;

namespace Muscle.Recipes;

/// <summary>
/// The compatibility-adapter workflow (<c>muscle train-compat</c>): teachers M_v1 (old base + old
/// adapter) and M_v2 (new base + new adapter) frozen; the student is the new base plus a copy of the new task adapter,
/// whose LoRA weights are the only trainable parameters; the strategy's loss; the shared <see cref="TrainingLoop"/>.
/// </summary>
public static class CompatibilityTrainer
{
    /// <summary>The student's adapter name on the new base, next to the new task adapter (<see cref="TaskModel.AdapterName"/>).</summary>
    public const string StudentAdapterName = "compat";

    public static TrainingResult Train(UpdatePair models, TaskData data, AdapterTrainingOptions options,
                                       CompatibilityLossOptions lossOptions, string outDir, bool resume, ScalarType dtype,
                                       IProgress<RunEvent>? progress = null, Device? device = null,
                                       TeacherCacheOptions? teacherCache = null, TransferSet? transfer = null, RunInputs? inputs = null)
    {
        options.Validate();
        lossOptions.Validate();
        teacherCache?.Validate(lossOptions.Strategy);
        var choiceLevel = lossOptions.Strategy.IsChoiceLevel;
        var multipleChoice = data.Task.Kind == Tasks.TaskKind.MultipleChoice;
        if (choiceLevel && !multipleChoice)
            throw new MuscleInputException($"strategy {lossOptions.Strategy.Id} distils over answer choices: it needs a multiple-choice task, not {data.Task.Name}");
        var layout = new TrainingRunLayout(outDir);
        AdapterTrainer.GuardOutput(layout, resume);
        // With a teacher cache the old model is loaded (and freed) only by TeacherCache.Open, if the cache needs building.
        using var oldModel = teacherCache is null ? TaskModel.Load(models.OldModelDir, models.OldAdapterDir, dtype, device) : null;
        using var newModel = TaskModel.Load(models.NewModelDir, models.NewAdapterDir, dtype, device);
        if (oldModel is not null) UpdatePair.RequireSharedVocabulary(oldModel, newModel);

        var tokenizer = newModel.Tokenizer;
        // Training items: the labelled ones, then the transfer items (TransferSet states the rule).
        var trainItems = data.Train.Concat(transfer?.Items ?? []).ToList();
        var split = new TokenizedSplit(
            [.. TaskData.Encode(data.Task, data.Train, tokenizer, options.MaxSeqLen), .. transfer?.EncodeInputs(tokenizer, options.MaxSeqLen) ?? []],
            TaskData.Encode(data.Task, data.Valid, tokenizer, options.MaxSeqLen),
            options.LossOn, tokenizer.PadId ?? tokenizer.EosId ?? 0);
        var choices = choiceLevel || (teacherCache?.KeepChoices == true && multipleChoice)
            ? new ChoiceSequences(ChoiceSequences.Encode(trainItems, tokenizer, options.MaxSeqLen),
                                  ChoiceSequences.Encode(data.Valid, tokenizer, options.MaxSeqLen))
            : null;

        var newTaskAdapter = newModel.Adapter!;
        newTaskAdapter.RequiresGrad(false);
        using var cached = teacherCache is null ? null : TeacherCache.Open(teacherCache, models, newModel, split, options.MaxSeqLen,
            options.BatchSize, lossOptions.Temperature, dtype, progress, choices: choices,
            tokens: !choiceLevel || lossOptions.WithTokenLoss || teacherCache.KeepTokens);
        // The teachers' choice scores are fixed: from the cache, or computed once before training (same computation).
        var choiceScores = !choiceLevel ? null
            : cached?.ChoiceScores ?? TeacherChoiceScores.Compute(oldModel!, newModel, choices!, options.BatchSize, split.PadId);
        using var student = newTaskAdapter.Clone(StudentAdapterName); // MUSCLE: initialised from the new task adapter
        student.RequiresGrad(true);
        newModel.Model.SetAdapter(student.Name);
        ITeacherSource teachers = cached ?? (ITeacherSource)new ExactTeachers(oldModel!.Model, newModel.Model, newTaskAdapter.Name, student.Name, lossOptions.Temperature);
        ITrainingObjective objective = choiceLevel
            ? ChoiceObjective(data, lossOptions, newModel, student, split, choices!, choiceScores!, teachers)
            : new CompatibilityObjective(newModel.Model, student, split, teachers, lossOptions, firstTransfer: data.Train.Count);
        var loop = TrainingLoop.ForAdapter(newModel.Model, student, options, objective, Path.GetFullPath(models.NewModelDir), progress, inputs, dtype);
        return loop.Run(layout, resume);
    }

    /// <summary>
    /// The choice-level objective over the labelled items and the transfer items both teachers agree on (their shared
    /// choice argmax is the pseudo-gold); <paramref name="split"/>, <paramref name="choices"/> and <paramref name="scores"/>
    /// cover every item, labelled then transfer.
    /// </summary>
    private static ChoiceCompatibilityObjective ChoiceObjective(TaskData data, CompatibilityLossOptions lossOptions, TaskModel newModel,
        LoraAdapter student, TokenizedSplit split, ChoiceSequences choices, TeacherChoiceScores scores, ITeacherSource teachers)
    {
        static int Gold(Tasks.TaskExample ex) => ex.Gold ?? throw new MuscleInputException($"item '{ex.Id}' has no gold choice");
        var (kept, gold) = TransferSet.PseudoGold(data.Train.Select(Gold).ToList(), scores);
        var skipped = choices.Train.Count - kept.Count;
        var subset = kept.Count < choices.Train.Count;
        var train = new ChoiceItems([.. kept.Select(i => choices.Train[i])], gold);
        var valid = new ChoiceItems(choices.Valid, data.Valid.Select(Gold).ToList());
        var tokenSplit = subset ? new TokenizedSplit([.. kept.Select(i => split.Train[i])], split.Valid, split.LossOn, split.PadId) : split;
        var tokenTeachers = !lossOptions.WithTokenLoss ? null : subset ? new SubsetTeachers(teachers, kept) : teachers;
        return new ChoiceCompatibilityObjective(newModel.Model, student, train, valid, tokenSplit, subset ? scores.SelectTrain(kept) : scores,
            tokenTeachers, lossOptions, firstTransfer: data.Train.Count, transferSkipped: skipped);
    }
}
