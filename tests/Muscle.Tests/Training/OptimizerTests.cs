using Muscle.Training;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Muscle.Tests.Training;

public class OptimizerTests
{
    /// <summary>
    /// Golden values from torch 1.13's torch.optim.AdamW (lr 0.1, betas (0.9, 0.999), eps 1e-8, weight_decay 0.01),
    /// params [1, -2, 3], grads [0.5, -1, 2], [0.1, 0.2, -0.3], [-1, 0, 1] — see Golden/adamw_golden.py.
    /// </summary>
    [Fact]
    public void AdamWMatchesPyTorch()
    {
        using var scope = NewDisposeScope();
        var p = new Parameter(tensor(new float[] { 1, -2, 3 }));
        using var opt = new Muscle.Training.AdamW([p], lr: 0.1, weightDecay: 0.01);
        float[][] grads = [[0.5f, -1f, 2f], [0.1f, 0.2f, -0.3f], [-1f, 0f, 1f]];
        foreach (var g in grads)
        {
            p.grad = tensor(g);
            opt.StepOnce();
        }
        var expected = GoldenAdamW.After3Steps;
        var actual = p.data<float>().ToArray();
        for (var i = 0; i < 3; i++) Tolerance.Float32.AssertClose(expected[i], actual[i], $"parameter {i}");
    }

    [Fact]
    public void ScheduleIsHfLinearWithWarmup()
    {
        var s = new LearningRateSchedule(1.0, WarmupSteps: 4, TotalSteps: 12);
        Assert.Equal([0, 0.25, 0.5, 0.75, 1.0, 0.875, 0.5, 0.125, 0], new[] { 0, 1, 2, 3, 4, 5, 8, 11, 12 }.Select(k => s.At(k)));
        Assert.Equal(1.0, new LearningRateSchedule(1.0, 0, 10).At(0));
    }
}
