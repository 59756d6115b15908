using static TorchSharp.torch;

namespace Muscle.Distillation;

// Shapes: N counted tokens of a micro-batch, V vocabulary, k cached entries per token.

/// <summary>
/// A teacher from the cache: top-k log-probabilities at T plus one tail bucket. Its KL is the KL between the two
/// distributions coarsened to (the teacher's top-k, everything else), which equals the dense KL when k = V and
/// underestimates it otherwise (merging outcomes never increases a KL).
/// </summary>
public sealed class CachedTeacherTokens : ITeacherTokens
{
    /// <summary>The student's log tail mass is clamped here (≈ ln 1e-30) so a vanishing tail gives a finite term.</summary>
    public const double MinLogTail = -69.0;

    private readonly Tensor _ids, _logProbsT, _logTail;

    /// <param name="ids">[N, k] int64 top-k token ids.</param>
    /// <param name="logProbsT">[N, k] fp32 log p_teacher^T of those ids.</param>
    /// <param name="logTail">[N] fp32 log of the remaining mass at T (−inf when k = V).</param>
    /// <param name="argmax">[N] int64 teacher's top-1 token.</param>
    /// <param name="labelLogProb">[N] fp32 log p_teacher(y) at T = 1.</param>
    public CachedTeacherTokens(Tensor ids, Tensor logProbsT, Tensor logTail, Tensor argmax, Tensor labelLogProb)
    {
        _ids = ids;
        _logProbsT = logProbsT;
        _logTail = logTail;
        Argmax = argmax;
        LabelLogProb = labelLogProb;
    }

    public Tensor Argmax { get; }
    public Tensor LabelLogProb { get; }

    /// <summary>Always null: the cache keeps no logits (focal-lm refuses it).</summary>
    public Tensor? Logits => null;

    public ITeacherTokens Rows(long start, long length) => new CachedTeacherTokens(
        _ids.narrow(0, start, length), _logProbsT.narrow(0, start, length), _logTail.narrow(0, start, length),
        Argmax.narrow(0, start, length), LabelLogProb.narrow(0, start, length));

    public ITeacherTokens Where(Tensor mask, ITeacherTokens otherwise)
    {
        var o = otherwise as CachedTeacherTokens ?? throw new ArgumentException("both teachers must come from the cache", nameof(otherwise));
        var rows = mask.unsqueeze(1);
        return new CachedTeacherTokens(where(rows, _ids, o._ids), where(rows, _logProbsT, o._logProbsT), where(mask, _logTail, o._logTail),
                                       where(mask, Argmax, o.Argmax), where(mask, LabelLogProb, o.LabelLogProb));
    }

    /// <summary>
    /// [N] Σ_k p_k (log p_k − log q_k) + p_tail (log p_tail − log q_tail), q_tail = Σ of the student's other entries,
    /// taken as a log-sum-exp over them (no 1 − Σ cancellation, never negative) and clamped at <see cref="MinLogTail"/>.
    /// </summary>
    public Tensor KlToStudent(Tensor studentLogProbsT)
    {
        using var scope = NewDisposeScope();
        var q = studentLogProbsT.gather(1, _ids);                     // [N, k]
        var p = _logProbsT.exp();
        var top = where(p.gt(0), p * (_logProbsT - q), zeros_like(q)).sum(-1);
        // A finite fill (not −inf) keeps the log-sum-exp's gradient finite when every entry is in the top-k.
        var others = studentLogProbsT.scatter(1, _ids, full_like(q, -1e30));
        var logTailS = others.logsumexp(-1).clamp_min(MinLogTail);     // [N]
        var pTail = _logTail.exp();
        var tail = where(pTail.gt(0), pTail * _logTail, zeros_like(pTail)) - pTail * logTailS;
        return (top + tail).MoveToOuterDisposeScope();
    }
}
