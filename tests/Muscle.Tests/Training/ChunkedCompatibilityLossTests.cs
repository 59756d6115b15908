using Muscle.Distillation;
using static TorchSharp.torch;

namespace Muscle.Tests.Training;

// Shapes: N = 13 counted tokens in S = 3 sequences, V = 37, k = 5 cached entries.

/// <summary>
/// CompatibilityLoss runs over row chunks and hands its gradient to the graph precomputed: chunks smaller than N must
/// give the whole-batch value and gradient, and both must match a plain-autograd implementation of the formula.
/// </summary>
public class ChunkedCompatibilityLossTests
{
    private const int N = 13, V = 37, S = 3;
    private const double T = 2.0;

    private sealed record Data(Tensor Z, Tensor Labels, Tensor Sequence, Tensor OldLogits, Tensor NewLogits);

    private static Data Make(int seed)
    {
        var g = new TorchSharp.torch.Generator((ulong)seed);
        var z = randn([N, V], generator: g) * 2;
        var labels = randint(0, V, [N], generator: g);
        // Make some student argmaxes hit the label, so the muscle mask has both values.
        labels.narrow(0, 0, 5).copy_(z.narrow(0, 0, 5).argmax(-1));
        var sequence = tensor(new long[] { 0, 0, 0, 0, 1, 1, 1, 1, 1, 2, 2, 2, 2 });
        return new Data(z, labels, sequence, randn([N, V], generator: g) * 2, randn([N, V], generator: g) * 2);
    }

    /// <summary>A cached teacher (top-k at T + tail) built from dense logits, as TeacherCache stores it.</summary>
    private static CachedTeacherTokens Cached(Tensor logits, Tensor labels, int k)
    {
        var logProbsT = (logits / T).log_softmax(-1);
        var (values, ids) = logProbsT.topk(k, dim: -1);
        var logTail = logProbsT.scatter(1, ids, full_like(values, double.NegativeInfinity)).logsumexp(-1);
        return new CachedTeacherTokens(ids, values, logTail, logits.argmax(-1), logits.log_softmax(-1).gather(1, labels.unsqueeze(1)).squeeze(1));
    }

    private static readonly CompatibilityLossOptions[] Options =
    [
        new() { Strategy = CompatibilityStrategies.Parse("muscle"), Temperature = T },
        new() { Strategy = CompatibilityStrategies.Parse("muscle"), Temperature = T, CeWeight = 0.3, T2Scale = true },
        new() { Strategy = CompatibilityStrategies.Parse("old-correct"), Temperature = T },
        new() { Strategy = CompatibilityStrategies.Parse("kl-old"), Temperature = T },
        new() { Strategy = CompatibilityStrategies.Parse("token-ll"), Temperature = T, CeWeight = 0.5 },
        new() { Strategy = CompatibilityStrategies.Parse("seq-ll"), Temperature = T, CeWeight = 0.5 },
        new() { Strategy = CompatibilityStrategies.Parse("focal-kl"), Temperature = T },
        new() { Strategy = CompatibilityStrategies.Parse("focal-lm"), Temperature = T },
        new() { Strategy = CompatibilityStrategies.Parse("xie-better"), Temperature = T },
        new() { Strategy = CompatibilityStrategies.Parse("vanilla"), Temperature = T },
    ];

    private static (double Total, double Comp, double Ce, double Aligned, Tensor Grad) Run(
        Tensor z, Data d, ITeacherTokens old, ITeacherTokens @new, CompatibilityLossOptions o, int? chunkRows)
    {
        var leaf = z.detach().requires_grad_(true);
        var terms = CompatibilityLoss.Compute(leaf, d.Labels, d.Sequence, S, old, @new, o, chunkRows);
        (terms.Total / N).backward(); // a scale after the loss, as the objectives apply it
        return (terms.Total.item<float>(), terms.CompSum.item<float>(), terms.CeSum.item<float>(), terms.AlignedOld.item<float>(), leaf.grad!);
    }

    [Theory]
    [InlineData(false, 4)]
    [InlineData(false, 1)]
    [InlineData(true, 3)]
    public void ChunksSmallerThanTheBatchGiveTheWholeBatchValueAndGradient(bool cached, int chunkRows)
    {
        using var scope = NewDisposeScope();
        var d = Make(1);
        ITeacherTokens old = cached ? Cached(d.OldLogits, d.Labels, 5) : new DenseTeacherTokens(d.OldLogits, d.Labels, T);
        ITeacherTokens @new = cached ? Cached(d.NewLogits, d.Labels, 5) : new DenseTeacherTokens(d.NewLogits, d.Labels, T);
        foreach (var o in Options)
        {
            if (cached && !o.Strategy.UsesTeacherCache) continue; // needs dense logits
            var whole = Run(d.Z, d, old, @new, o, chunkRows: null);
            var chunked = Run(d.Z, d, old, @new, o, chunkRows);
            Assert.True(Math.Abs(whole.Total) > 1e-3, $"{o.Strategy}: a trivial loss");
            Tolerance.Float32.AssertClose(whole.Total, chunked.Total, $"{o.Strategy} total");
            Tolerance.Float32.AssertClose(whole.Comp, chunked.Comp, $"{o.Strategy} comp");
            Tolerance.Float32.AssertClose(whole.Ce, chunked.Ce, $"{o.Strategy} ce");
            Assert.Equal(whole.Aligned, chunked.Aligned);
            Assert.True(whole.Grad.abs().max().item<float>() > 1e-4, $"{o.Strategy}: no gradient");
            TensorAssert.Close(whole.Grad, chunked.Grad, $"{o.Strategy} gradient");
        }
    }

    /// <summary>The paper's loss with λ, written the plain way (fp32 [N, V] tensors, autograd through everything).</summary>
    private static Tensor Reference(Tensor z, Data d, double lambda)
    {
        var z32 = z.to_type(ScalarType.Float32);
        var ce = nn.functional.cross_entropy(z32, d.Labels, reduction: nn.Reduction.None);
        var studentT = (z32 / T).log_softmax(-1);
        var toOld = DistillationOps.ForwardKl((d.OldLogits / T).log_softmax(-1), studentT);
        var toNew = DistillationOps.ForwardKl((d.NewLogits / T).log_softmax(-1), studentT);
        var m = z32.detach().argmax(-1).ne(d.Labels);
        return (lambda * where(m, toOld, toNew) + (1 - lambda) * ce).sum();
    }

    [Theory]
    [InlineData(ScalarType.Float32)]
    [InlineData(ScalarType.BFloat16)]
    public void ThePrecomputedGradientEqualsPlainAutograd(ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        var raw = Make(2);
        // The teachers' logits in the model's dtype, as ExactTeachers hands them over; the reference upcasts the same values.
        var d = raw with { OldLogits = raw.OldLogits.to_type(dtype).to_type(ScalarType.Float32), NewLogits = raw.NewLogits.to_type(dtype).to_type(ScalarType.Float32) };
        var o = new CompatibilityLossOptions { Strategy = CompatibilityStrategies.Parse("muscle"), Temperature = T, CeWeight = 0.4 };
        var z = d.Z.to_type(dtype);
        var refLeaf = z.detach().requires_grad_(true);
        var expected = Reference(refLeaf, d, 0.4);
        (expected / N).backward();
        var (total, _, _, _, grad) = Run(z, d, new DenseTeacherTokens(d.OldLogits.to_type(dtype), d.Labels, T),
                                         new DenseTeacherTokens(d.NewLogits.to_type(dtype), d.Labels, T), o, chunkRows: 4);
        Assert.Equal(dtype, grad.dtype);
        // bf16: both paths round the same fp32 gradient once, into the logits' dtype; the tolerance covers a last-bit tie.
        TensorAssert.For(dtype).AssertClose(expected.item<float>(), total, "loss");
        TensorAssert.Close(refLeaf.grad!, grad, TensorAssert.For(dtype), "gradient");
    }

    [Fact]
    public void WithoutGradientTheSameValueAndNoGraph()
    {
        using var scope = NewDisposeScope();
        var d = Make(3);
        var old = new DenseTeacherTokens(d.OldLogits, d.Labels, T);
        var @new = new DenseTeacherTokens(d.NewLogits, d.Labels, T);
        var withGrad = CompatibilityLoss.Compute(d.Z.detach().requires_grad_(true), d.Labels, d.Sequence, S, old, @new, Options[0], 4);
        LossTerms plain;
        using (no_grad())
            plain = CompatibilityLoss.Compute(d.Z.detach().requires_grad_(true), d.Labels, d.Sequence, S, old, @new, Options[0], 4);
        Assert.False(plain.Total.requires_grad);
        Assert.True(withGrad.Total.requires_grad);
        Assert.Equal(withGrad.Total.item<float>(), plain.Total.item<float>());
    }
}
