using Muscle.Recipes;
using Muscle.Adapters;
using Muscle.Distillation;
using Muscle.Training;
using TorchSharp;

namespace Muscle.Tests.Training;

/// <summary>
/// Training steps own their tensors: after a run, the live-tensor count (per-thread TorchSharp statistics) is the same
/// whether the run took a few steps or twice as many — nothing accumulates per step, for the task-adapter and
/// the MUSCLE objectives alike.
/// </summary>
public class TrainingLeakTests(TinyUpdateFixture fx) : IClassFixture<TinyUpdateFixture>
{
    private static long Live => DisposeScopeManager.Statistics.TensorStatistics.ThreadTotalLiveCount;

    private long LiveAfterRun(int epochs, bool muscle)
    {
        var options = TinyUpdateFixture.Recipe with { Epochs = epochs, SaveSteps = 3, LogSteps = 2 };
        var data = TaskData.Load("jsonl-mc", fx.Train, null, null, null, options);
        using var oldModel = TaskModel.Load(fx.OldModel, fx.OldAdapter);
        using var newModel = TaskModel.Load(fx.NewModel, fx.NewAdapter);
        var tok = newModel.Tokenizer;
        var split = new TokenizedSplit(TaskData.Encode(data.Task, data.Train, tok, 64), TaskData.Encode(data.Task, data.Valid, tok, 64),
                                       options.LossOn, tok.PadId ?? 0);
        using var student = newModel.Adapter!.Clone(CompatibilityTrainer.StudentAdapterName);
        student.RequiresGrad(true);
        newModel.Model.SetAdapter(student.Name);
        ITrainingObjective objective = muscle
            ? new CompatibilityObjective(newModel.Model, student, split,
                new ExactTeachers(oldModel.Model, newModel.Model, newModel.Adapter!.Name, student.Name, 2.0), new CompatibilityLossOptions())
            : new CrossEntropyObjective(newModel.Model, split);
        var before = Live;
        TrainingLoop.ForAdapter(newModel.Model, student, options, objective, fx.NewModel).Run(
            new TrainingRunLayout(Path.Combine(fx.Root, $"leak-{muscle}-{epochs}-{Guid.NewGuid():N}")), false);

        return Live - before;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void LiveTensorsDoNotGrowWithTheNumberOfSteps(bool muscle)
    {
        var shortRun = LiveAfterRun(1, muscle);
        var longRun = LiveAfterRun(2, muscle);
        Assert.Equal(0, shortRun);
        Assert.Equal(shortRun, longRun);
    }
}
