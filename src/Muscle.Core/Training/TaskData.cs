using Muscle.Tasks;
using Muscle.Tokenization;

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
