using Muscle.Distillation;
using static TorchSharp.torch;

namespace Muscle.Tests.Training;

/// <summary>Each strategy's loss against hand-computed values (Golden/compat_loss_golden.py, plain Python math).</summary>
public class CompatibilityLossTests
{
    private static class Expected
    {
        public const double Muscle = 0.8325226799405455;
        public const double MuscleT2 = 3.330090719762182;
        public const double MuscleCe03 = 2.7015270485879026;
        public const double OldCorrect = 0.7588540609014119;
        public const double KlOld = 0.7588540609014119;
        public const double ReverseDirection = 0.9130529958882015;
        public const double TokenLl05 = 2.1306914908833767;
        public const double SeqLl05 = 2.1306914908833767;
        public const double FocalKl = 21.715026382499225;
        public const double FocalLm = 22.335862254198673;
        public const double XieBetter = 3.2689725822354947;
        public const double Vanilla = 3.5025289208653416;
        // The fixture on which every token-level mask differs (second half of the golden script).
        public const double MuscleDistinct = 1.1886104472468255;
        public const double OldCorrectDistinct = 1.4267140625986323;
        public const double KlOldDistinct = 1.2005479705171345;
        public const double TokenLlDistinct = 4.4050628153652855;
        public const double SeqLlDistinct = 4.413078512252705;
    }

    private static (LossTerms Terms, double Total) Run(CompatibilityLossOptions o)
    {
        var student = tensor(new float[] { 2, 1, 0, 0, 0, 3 }, [2, 3]).requires_grad_(true);
        var labels = tensor(new long[] { 0, 1 });
        var sequence = tensor(new long[] { 0, 0 });
        var oldT = new DenseTeacherTokens(tensor(new float[] { 2, 0.5f, 0, 1, 3, 0 }, [2, 3]), labels, o.Temperature);
        var newT = new DenseTeacherTokens(tensor(new float[] { 3, 0, 0, 0, 2, 0 }, [2, 3]), labels, o.Temperature);
        var terms = CompatibilityLoss.Compute(student, labels, sequence, 1, oldT, newT, o);
        terms.Total.backward();
        Assert.NotNull(student.grad);
        return (terms, terms.Total.item<float>());
    }

    /// <summary>
    /// Four tokens in two sequences where the five token-level masks all differ (MUSCLE [0,1,0,1], old-correct
    /// [0,1,1,0], kl-old [1,1,1,1], token-ll [1,1,1,0], seq-ll [1,1,0,0]), so swapping any two masks changes the value.
    /// </summary>
    [Theory]
    [InlineData("muscle", null, Expected.MuscleDistinct)]
    [InlineData("old-correct", null, Expected.OldCorrectDistinct)]
    [InlineData("kl-old", null, Expected.KlOldDistinct)]
    [InlineData("token-ll", 0.5, Expected.TokenLlDistinct)]
    [InlineData("seq-ll", 0.5, Expected.SeqLlDistinct)]
    public void EveryMaskIsDistinguished(string strategy, double? ceWeight, double expected)
    {
        using var scope = NewDisposeScope();
        var o = S(strategy) with { CeWeight = ceWeight };
        var student = tensor(new float[] { 0.5f, 0.4f, 0, 0, 0, 3, 0, 1, 3, 0, 3, 1 }, [4, 3]).requires_grad_(true);
        var labels = tensor(new long[] { 0, 1, 2, 0 });
        var sequence = tensor(new long[] { 0, 0, 1, 1 });
        var oldT = new DenseTeacherTokens(tensor(new float[] { 1, 1.1f, -5, 1, 3, 0, 0, 0, 4, 0, 5, 0 }, [4, 3]), labels, o.Temperature);
        var newT = new DenseTeacherTokens(tensor(new float[] { 3, 0, 0, 0, 2, 0, 0, 0, 1, 2, 1, 0 }, [4, 3]), labels, o.Temperature);
        var total = CompatibilityLoss.Compute(student, labels, sequence, 2, oldT, newT, o).Total.item<float>();
        Tolerance.Float32Reference.AssertClose(expected, total, $"{strategy} loss");
    }

    private static CompatibilityLossOptions S(string id) => new() { Strategy = CompatibilityStrategies.Parse(id), Temperature = 2 };

    [Theory]
    [InlineData("muscle", null, false, Expected.Muscle)]
    [InlineData("muscle", null, true, Expected.MuscleT2)]
    [InlineData("muscle", 0.3, false, Expected.MuscleCe03)]
    [InlineData("old-correct", null, false, Expected.OldCorrect)]
    [InlineData("kl-old", null, false, Expected.KlOld)]
    [InlineData("token-ll", 0.5, false, Expected.TokenLl05)]
    [InlineData("seq-ll", 0.5, false, Expected.SeqLl05)]
    [InlineData("focal-kl", null, false, Expected.FocalKl)]
    [InlineData("focal-lm", null, false, Expected.FocalLm)]
    [InlineData("xie-better", null, false, Expected.XieBetter)]
    [InlineData("vanilla", null, false, Expected.Vanilla)]
    public void LossMatchesHandComputedValue(string strategy, double? ceWeight, bool t2, double expected)
    {
        using var scope = NewDisposeScope();
        var (_, total) = Run(S(strategy) with { CeWeight = ceWeight, T2Scale = t2 });
        Tolerance.Float32Reference.AssertClose(expected, total, $"{strategy} loss");
    }

    [Fact]
    public void KlIsForwardTeacherToStudent()
    {
        using var scope = NewDisposeScope();
        var (_, total) = Run(S("muscle"));
        Assert.True(Math.Abs(total - Expected.ReverseDirection) > 1e-2);
    }

    [Fact]
    public void MuscleMaskFollowsTheStudentsArgmaxAndCountsAlignedTokens()
    {
        using var scope = NewDisposeScope();
        var student = tensor(new float[] { 2, 1, 0, 0, 0, 3 }, [2, 3]);
        var labels = tensor(new long[] { 0, 1 });
        var m = new MuscleStrategy().Mask(new TokenDecisionInputs(student, labels, tensor(new long[] { 0, 0 }), 1,
                                       zeros(2), null));
        Assert.Equal(new[] { false, true }, m.data<bool>().ToArray());
        var (terms, _) = Run(S("muscle"));
        Assert.Equal(1f, terms.AlignedOld.item<float>());
        // T only scales the distributions, never the mask: a different T keeps the same aligned count.
        var (terms5, _) = Run(S("muscle") with { Temperature = 5 });
        Assert.Equal(1f, terms5.AlignedOld.item<float>());
    }

    [Fact]
    public void MuscleTieInTheStudentArgmaxGoesToTheLowestIndex()
    {
        using var scope = NewDisposeScope();
        var student = tensor(new float[] { 1, 1, 0 }, [1, 3]);
        var m0 = new MuscleStrategy().Mask(new TokenDecisionInputs(student, tensor(new long[] { 0 }), tensor(new long[] { 0 }), 1, zeros(1), null));
        var m1 = new MuscleStrategy().Mask(new TokenDecisionInputs(student, tensor(new long[] { 1 }), tensor(new long[] { 0 }), 1, zeros(1), null));
        Assert.False(m0.item<bool>());
        Assert.True(m1.item<bool>());
    }

    [Fact]
    public void StrategiesThatMixWithCeRequireALambda()
    {
        Assert.Throws<Muscle.Infrastructure.MuscleInputException>(() => S("token-ll").Validate());
        Assert.Throws<Muscle.Infrastructure.MuscleInputException>(() => S("seq-ll").Validate());
        S("muscle").Validate();
        Assert.IsType<FocalChoiceStrategy>(CompatibilityStrategies.Parse("focal-choice"));
        Assert.Same(CompatibilityStrategies.Parse("muscle"), CompatibilityStrategies.Default);
        Assert.Throws<Muscle.Infrastructure.MuscleInputException>(() => CompatibilityStrategies.Parse("nope"));
    }
}
