using static TorchSharp.torch;

namespace Muscle.Training.Losses;

// Shapes: N counted tokens (or items), V vocabulary (or K choices), k cached top-k entries.

/// <summary>
/// One teacher's view of the N counted tokens of a micro-batch: what every strategy may ask of it. Dense teachers hold
/// full logits; cached ones hold top-k log-probabilities at temperature T plus the tail mass (TeacherCache).
/// </summary>
public interface ITeacherTokens
{
    /// <summary>[N] forward KL(p_teacher^T ‖ p_student^T) per token, given the student's log_softmax(z/T) [N, V] in fp32.</summary>
    Tensor KlToStudent(Tensor studentLogProbsT);

    /// <summary>[N] the teacher's top-1 token (ties: lowest index).</summary>
    Tensor Argmax { get; }

    /// <summary>[N] log p_teacher(y) at T = 1.</summary>
    Tensor LabelLogProb { get; }

    /// <summary>[N, V] raw logits in fp32, for logit matching (dense teachers only).</summary>
    Tensor? Logits { get; }
}

/// <summary>A teacher whose full logits are at hand (exact mode).</summary>
public sealed class DenseTeacherTokens : ITeacherTokens
{
    private readonly Tensor _logProbsT;

    /// <param name="logits">[N, V] teacher logits at the counted positions.</param>
    /// <param name="labels">[N] ground-truth next tokens.</param>
    public DenseTeacherTokens(Tensor logits, Tensor labels, double temperature)
    {
        Logits = logits.to_type(ScalarType.Float32);
        _logProbsT = (Logits / temperature).log_softmax(-1);
        Argmax = Logits.argmax(-1);
        LabelLogProb = Logits.log_softmax(-1).gather(1, labels.unsqueeze(1)).squeeze(1);
    }

    public Tensor? Logits { get; }
    public Tensor Argmax { get; }
    public Tensor LabelLogProb { get; }

    public Tensor KlToStudent(Tensor studentLogProbsT) => Distillation.ForwardKl(_logProbsT, studentLogProbsT);
}

public static class Distillation
{
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
