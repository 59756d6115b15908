using static TorchSharp.torch;

namespace Muscle.Training.Losses;

// Shapes: N counted tokens (or items), n rows of a chunk, V vocabulary (or K choices), k cached top-k entries.

/// <summary>
/// One teacher's view of the N counted tokens of a micro-batch: what every strategy may ask of it. Dense teachers hold
/// full logits in the model's dtype; cached ones hold top-k log-probabilities at temperature T plus the tail mass
/// (TeacherCache). Neither holds an fp32 [N, V] tensor: the loss asks for <see cref="Rows"/> of a chunk and each chunk's
/// fp32 log-probabilities live only while that chunk is computed.
/// </summary>
public interface ITeacherTokens
{
    /// <summary>[N] forward KL(p_teacher^T ‖ p_student^T) per token, given the student's log_softmax(z/T) [N, V] in fp32.</summary>
    Tensor KlToStudent(Tensor studentLogProbsT);

    /// <summary>[N] the teacher's top-1 token (ties: lowest index).</summary>
    Tensor Argmax { get; }

    /// <summary>[N] log p_teacher(y) at T = 1.</summary>
    Tensor LabelLogProb { get; }

    /// <summary>[N, V] raw logits in fp32, for logit matching (dense teachers only); a new tensor when the model's dtype is not fp32.</summary>
    Tensor? Logits { get; }

    /// <summary>The same teacher restricted to rows [start, start + length) (views, no copy).</summary>
    ITeacherTokens Rows(long start, long length);

    /// <summary>
    /// Per row, this teacher where <paramref name="mask"/> [N] is true, else <paramref name="otherwise"/> (a teacher of the
    /// same kind and T). A masked loss then computes one KL per token instead of two and picking one.
    /// </summary>
    ITeacherTokens Where(Tensor mask, ITeacherTokens otherwise);
}

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
        return Distillation.ForwardKl(logProbsT, studentLogProbsT).MoveToOuterDisposeScope();
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
        foreach (var (start, length) in Distillation.RowChunks(n, logits.shape[^1], null))
        {
            using var scope = NewDisposeScope();
            var rows = logits.narrow(0, start, length).to_type(ScalarType.Float32).log_softmax(-1); // [n, V]
            result.narrow(0, start, length).copy_(rows.gather(1, labels.narrow(0, start, length).unsqueeze(1)).squeeze(1));
        }
        return result;
    }
}

public static class Distillation
{
    /// <summary>Elements of an fp32 [n, V] chunk (1 MiB): a chunk's temporaries stay in cache and far below the logits (4 MiB chunks measured ~1.5× slower on llama-20m).</summary>
    public const long ChunkElements = 1 << 18;

    /// <summary>Row ranges covering [0, rows): <paramref name="chunkRows"/> rows each, or ~<see cref="ChunkElements"/> / V when null.</summary>
    public static IEnumerable<(long Start, long Length)> RowChunks(long rows, long vocab, int? chunkRows)
    {
        var step = chunkRows ?? Math.Max(1, ChunkElements / Math.Max(1, vocab));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(step);
        for (long start = 0; start < rows; start += step)
            yield return (start, Math.Min(step, rows - start));
    }

    /// <summary>KL(p ‖ q) = Σ_v p_v (log p_v − log q_v) per row, from log-probabilities [N, V] → [N], fp32.</summary>
    public static Tensor ForwardKl(Tensor teacherLogProbs, Tensor studentLogProbs)
    {
        using var scope = NewDisposeScope();
        // exp(−inf) = 0 and 0·(−inf − x) would be NaN: zero the terms where the teacher has no mass.
        var p = teacherLogProbs.exp();
        var terms = p * (teacherLogProbs - studentLogProbs);
        return where(p.gt(0), terms, zeros_like(terms)).sum(-1).MoveToOuterDisposeScope();
    }

    /// <summary>PCT's FD-LM distance per row: ½·mean_v (z̃_s − z̃_t)², logits centred per row (softmax ignores offsets; MSE would not).</summary>
    public static Tensor CentredLogitDistance(Tensor studentLogits, Tensor teacherLogits)
    {
        using var scope = NewDisposeScope();
        var s = studentLogits - studentLogits.mean([-1], keepdim: true);
        var t = teacherLogits - teacherLogits.mean([-1], keepdim: true);
        return ((s - t).pow(2).mean([-1]) * 0.5).MoveToOuterDisposeScope();
    }
}
