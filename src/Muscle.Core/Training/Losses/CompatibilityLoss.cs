using static TorchSharp.torch;

namespace Muscle.Training.Losses;

// Shapes: N counted tokens of a micro-batch, V vocabulary, S sequences in the micro-batch.

/// <summary>Summed loss terms of one micro-batch (callers divide by the step's counted tokens n).</summary>
/// <param name="Total">Σ per-token loss, with gradient.</param>
/// <param name="CompSum">Σ of the compatibility (distillation) term, detached, for logging.</param>
/// <param name="CeSum">Σ of the token CE at T = 1, detached, for logging.</param>
/// <param name="AlignedOld">How many tokens were aligned to the old model (mask m = 1, or focal filter = 1), detached.</param>
public sealed record LossTerms(Tensor Total, Tensor CompSum, Tensor CeSum, Tensor AlignedOld);

/// <summary>
/// The token-level compatibility losses of MUSCLE-SPEC.md §3–4 and PRIOR-ART.md §1–2, summed over counted tokens.
/// Everything runs in fp32; masks are computed from detached values and carry no gradient.
/// </summary>
public static class CompatibilityLoss
{
    /// <param name="studentLogits">[N, V] student logits at the counted positions (with gradient).</param>
    /// <param name="labels">[N] ground-truth next tokens.</param>
    /// <param name="sequence">[N] which of the S sequences each token belongs to (sequence-level rules).</param>
    public static LossTerms Compute(Tensor studentLogits, Tensor labels, Tensor sequence, int sequences,
                                    ITeacherTokens oldTeacher, ITeacherTokens newTeacher, CompatibilityLossOptions o)
    {
        using var scope = NewDisposeScope();
        var t = o.Temperature;
        var z = studentLogits.to_type(ScalarType.Float32);
        var ce = nn.functional.cross_entropy(z, labels, reduction: nn.Reduction.None); // [N], T = 1
        var zero = zeros_like(ce);
        Tensor total, comp, aligned;
        switch (o.Strategy)
        {
            case CompatibilityStrategy.Vanilla:
                total = ce;
                comp = zero;
                aligned = zero;
                break;

            case CompatibilityStrategy.FocalKl:
            case CompatibilityStrategy.FocalLm:
            {
                var oldRight = oldTeacher.Argmax.eq(labels).to_type(ScalarType.Float32);
                var weight = o.FocalAlpha + o.FocalBeta * oldRight;
                var distance = o.Strategy == CompatibilityStrategy.FocalKl
                    ? oldTeacher.KlToStudent((z / t).log_softmax(-1)) * (t * t)
                    : Distillation.CentredLogitDistance(z, oldTeacher.Logits
                        ?? throw new InvalidOperationException("focal-lm needs dense old-model logits (no teacher cache)"));
                comp = weight * distance;
                total = ce + comp;
                aligned = oldRight;
                break;
            }

            case CompatibilityStrategy.XieBetter:
            {
                // Per sequence: distil where the old model's mean CE is no worse than the student's (Xie et al. 2021).
                var ceOld = -oldTeacher.LabelLogProb;
                var better = SequenceMean(ceOld, sequence, sequences).le(SequenceMean(ce.detach(), sequence, sequences));
                var distil = better.index_select(0, sequence).to_type(ScalarType.Float32);
                var alpha = o.CeWeight ?? 0.5;
                comp = oldTeacher.KlToStudent((z / t).log_softmax(-1)) * (t * t);
                total = distil * (alpha * comp + (1 - alpha) * ce) + (1 - distil) * ce;
                comp = distil * comp;
                aligned = distil;
                break;
            }

            default:
            {
                var m = Mask(o.Strategy, z, labels, sequence, sequences, ce, oldTeacher); // [N] bool, detached
                var studentT = (z / t).log_softmax(-1);
                var toOld = oldTeacher.KlToStudent(studentT);
                // kl-old never needs the new teacher.
                var toNew = o.Strategy == CompatibilityStrategy.KlOld ? zero : newTeacher.KlToStudent(studentT);
                comp = where(m, toOld, toNew) * (o.T2Scale ? t * t : 1.0);
                total = o.CeWeight is double lambda ? lambda * comp + (1 - lambda) * ce : comp;
                aligned = m.to_type(ScalarType.Float32);
                break;
            }
        }
        return new LossTerms(
            total.sum().MoveToOuterDisposeScope(),
            comp.detach().sum().MoveToOuterDisposeScope(),
            ce.detach().sum().MoveToOuterDisposeScope(),
            aligned.detach().sum().MoveToOuterDisposeScope());
    }

    /// <summary>m = 1 → align to the old model, m = 0 → to the new one (Eq. 1 form).</summary>
    public static Tensor Mask(CompatibilityStrategy strategy, Tensor studentLogits, Tensor labels, Tensor sequence, int sequences,
                              Tensor studentCe, ITeacherTokens oldTeacher)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var m = strategy switch
        {
            CompatibilityStrategy.Muscle => studentLogits.argmax(-1).ne(labels),
            CompatibilityStrategy.OldCorrect => oldTeacher.Argmax.eq(labels),
            CompatibilityStrategy.KlOld => ones_like(labels, dtype: ScalarType.Bool),
            CompatibilityStrategy.TokenLl => (-studentCe).lt(oldTeacher.LabelLogProb),
            CompatibilityStrategy.SeqLl => SequenceSum(-studentCe, sequence, sequences)
                .lt(SequenceSum(oldTeacher.LabelLogProb, sequence, sequences)).index_select(0, sequence),
            _ => throw new ArgumentOutOfRangeException(nameof(strategy), strategy, "not a masked strategy"),
        };
        return m.detach().MoveToOuterDisposeScope();
    }

    /// <summary>[S] Σ of <paramref name="perToken"/> over each sequence's tokens.</summary>
    public static Tensor SequenceSum(Tensor perToken, Tensor sequence, int sequences) =>
        zeros(sequences, dtype: perToken.dtype, device: perToken.device).index_add(0, sequence, perToken, 1);

    private static Tensor SequenceMean(Tensor perToken, Tensor sequence, int sequences)
    {
        var counts = SequenceSum(ones_like(perToken), sequence, sequences).clamp_min(1);
        return SequenceSum(perToken, sequence, sequences) / counts;
    }
}
