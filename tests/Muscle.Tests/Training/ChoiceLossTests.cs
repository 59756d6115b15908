using Muscle.Distillation;
using static TorchSharp.torch;

namespace Muscle.Tests.Training;

/// <summary>Choice-level losses against hand-computed values (Golden/compat_loss_golden.py), with a ragged choice count.</summary>
public class ChoiceLossTests
{
    private const double MuscleChoice = 0.1813950956206643;
    private const double FocalChoice = 3.636058075682183;

    private static (ChoiceTerms Terms, Tensor Student) Run(string id)
    {
        var student = ChoiceBatch.FromHost([[-1, -2], [-0.2, -0.5, -1]], 3, CPU).requires_grad_(true);
        var gold = tensor(new long[] { 1, 0 });
        var old = ChoiceBatch.FromHost([[-2, -1], [-1, -2, -3]], 3, CPU);
        var @new = ChoiceBatch.FromHost([[-1.5, -1], [-2, -1, -3]], 3, CPU);
        var terms = ChoiceLoss.Compute(student, gold, old, @new, new CompatibilityLossOptions { Strategy = CompatibilityStrategies.Parse(id), Temperature = 2 });
        terms.CompSum.backward();
        return (terms, student);
    }

    [Theory]
    [InlineData("muscle-choice", MuscleChoice, 1f)]
    [InlineData("focal-choice", FocalChoice, 2f)]
    public void MatchesHandComputedValueAndKeepsGradientsFinite(string s, double expected, float alignedOld)
    {
        using var scope = NewDisposeScope();
        var (terms, student) = Run(s);
        Tolerance.Float32Reference.AssertClose(expected, terms.CompSum.item<float>(), "choice loss");
        Assert.Equal(alignedOld, terms.AlignedOld.item<float>());
        Assert.Equal(1f, terms.StudentCorrect.item<float>());
        // The absent third choice of item 0 (−∞) must not poison the gradient.
        Assert.True(student.grad!.isfinite().all().item<bool>());
        Assert.Equal(0f, student.grad![0, 2].item<float>());
    }
}
