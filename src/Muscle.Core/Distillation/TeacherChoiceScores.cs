using Muscle.Adapters;

namespace Muscle.Distillation;

/// <summary>
/// Both teachers' choice scores for the training and validation items, [item][choice]. Exact mode and the teacher cache
/// both get them from <see cref="Compute"/>, so cached scores are the exact ones bit for bit.
/// </summary>
public sealed record TeacherChoiceScores(double[][] OldTrain, double[][] NewTrain, double[][] OldValid, double[][] NewValid)
{
    /// <summary>Runs both frozen teachers over every choice; leaves the new task adapter active on the new base.</summary>
    public static TeacherChoiceScores Compute(TaskModel oldModel, TaskModel newModel, ChoiceSequences items, int batchSize, int padId)
    {
        if (newModel.Adapter is null) throw new ArgumentException("the new teacher needs its task adapter", nameof(newModel));
        var oldTrain = ChoiceSequences.Score(items.Train, oldModel.Model, batchSize, padId);
        var oldValid = ChoiceSequences.Score(items.Valid, oldModel.Model, batchSize, padId);
        newModel.Model.SetAdapter(newModel.Adapter.Name);
        var newTrain = ChoiceSequences.Score(items.Train, newModel.Model, batchSize, padId);
        var newValid = ChoiceSequences.Score(items.Valid, newModel.Model, batchSize, padId);
        return new TeacherChoiceScores(oldTrain, newTrain, oldValid, newValid);
    }

    /// <summary>The training rows of <paramref name="items"/> (in that order); validation rows unchanged.</summary>
    public TeacherChoiceScores SelectTrain(IReadOnlyList<int> items) =>
        this with { OldTrain = [.. items.Select(i => OldTrain[i])], NewTrain = [.. items.Select(i => NewTrain[i])] };
}
