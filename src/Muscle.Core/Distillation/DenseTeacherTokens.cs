using static TorchSharp.torch;

namespace Muscle.Distillation;

// Shapes: N counted tokens (or items), n rows of a chunk, V vocabulary (or K choices), k cached top-k entries.

/// <summary>A teacher whose full logits are at hand (exact mode).</summary>
public sealed class DenseTeacherTokens : ITeacherTokens
{
    private readonly Tensor _logits; // [N, V] in the model's dtype: upcast one chunk at a time
    private readonly double _temperature;

    /// <param name="logits">[N, V] teacher logits at the counted positions, any float dtype (kept, not copied).</param>
    /// <param name="labels">[N] ground-truth next tokens.</param>
    public DenseTeacherTokens(Tensor logits, Tensor labels, double temperature)
    {
        _logits = logits;
        _temperature = temperature;
        Argmax = logits.argmax(-1); // the upcast to fp32 is exact, so the model dtype gives the same argmax
        LabelLogProb = LabelLogProbs(logits, labels);
    }

    private DenseTeacherTokens(Tensor logits, double temperature, Tensor argmax, Tensor labelLogProb)
    {
        _logits = logits;
        _temperature = temperature;
        Argmax = argmax;
        LabelLogProb = labelLogProb;
    }

    public Tensor? Logits => _logits.to_type(ScalarType.Float32);
    public Tensor Argmax { get; }
    public Tensor LabelLogProb { get; }

    public Tensor KlToStudent(Tensor studentLogProbsT)
    {
        using var scope = NewDisposeScope();
        var logProbsT = (_logits.to_type(ScalarType.Float32) / _temperature).log_softmax(-1);
        return DistillationOps.ForwardKl(logProbsT, studentLogProbsT).MoveToOuterDisposeScope();
    }

    public ITeacherTokens Rows(long start, long length) => new DenseTeacherTokens(
        _logits.narrow(0, start, length), _temperature, Argmax.narrow(0, start, length), LabelLogProb.narrow(0, start, length));

    public ITeacherTokens Where(Tensor mask, ITeacherTokens otherwise)
    {
        var o = otherwise as DenseTeacherTokens ?? throw new ArgumentException("both teachers must be dense", nameof(otherwise));
        if (o._temperature != _temperature) throw new ArgumentException("both teachers must share T", nameof(otherwise));
        return new DenseTeacherTokens(where(mask.unsqueeze(1), _logits, o._logits), _temperature,
                                      where(mask, Argmax, o.Argmax), where(mask, LabelLogProb, o.LabelLogProb));
    }

    /// <summary>[N] log_softmax(logits)[y] in fp32, a row chunk at a time (no fp32 [N, V] copy).</summary>
    private static Tensor LabelLogProbs(Tensor logits, Tensor labels)
    {
        using var _ = no_grad();
        var n = logits.shape[0];
        var result = empty(n, dtype: ScalarType.Float32, device: logits.device);
        foreach (var (start, length) in DistillationOps.RowChunks(n, logits.shape[^1], null))
        {
            using var scope = NewDisposeScope();
            var rows = logits.narrow(0, start, length).to_type(ScalarType.Float32).log_softmax(-1); // [n, V]
            result.narrow(0, start, length).copy_(rows.gather(1, labels.narrow(0, start, length).unsqueeze(1)).squeeze(1));
        }
        return result;
    }
}
