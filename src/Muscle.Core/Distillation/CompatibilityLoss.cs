using static TorchSharp.torch;

namespace Muscle.Distillation;

// Shapes: N counted tokens of a micro-batch, V vocabulary, S sequences in the micro-batch.

/// <summary>
/// The token-level compatibility losses of MUSCLE-SPEC.md §3–4 and PRIOR-ART.md §1–2, summed over counted tokens.
/// Everything runs in fp32; masks are computed from detached values and carry no gradient.
/// <para>Memory: the loss runs over row chunks of ~<see cref="DistillationOps.ChunkElements"/> elements. Each chunk is
/// upcast to fp32, its loss and its gradient with respect to the chunk's logits are computed at once (a local
/// <c>autograd.grad</c>), and the chunk's graph is freed before the next one. So besides the student's logits only
/// G = ∂Total/∂logits [N, V] fp32 and one chunk's fp32 temporaries are alive; the whole-batch form held the fp32
/// logits, log_softmax at T = 1 and at T, and per teacher p and the KL terms ([N, V] fp32 each) until backward.
/// <see cref="LossTerms.Total"/> carries G into the graph as value + (⟨z, G⟩ − ⟨z, G⟩.detach()): its value is the summed
/// loss and its gradient with respect to z is exactly G (first order; no double backward).</para>
/// </summary>
public static class CompatibilityLoss
{
    /// <param name="studentLogits">[N, V] student logits at the counted positions (with gradient), any float dtype.</param>
    /// <param name="labels">[N] ground-truth next tokens.</param>
    /// <param name="sequence">[N] which of the S sequences each token belongs to (sequence-level rules).</param>
    /// <param name="chunkRows">Rows per chunk (null: ~<see cref="DistillationOps.ChunkElements"/> / V). Results do not depend on it beyond fp32 summation order.</param>
    public static LossTerms Compute(Tensor studentLogits, Tensor labels, Tensor sequence, int sequences,
                                    ITeacherTokens oldTeacher, ITeacherTokens newTeacher, CompatibilityLossOptions o,
                                    int? chunkRows = null)
    {
        using var scope = NewDisposeScope();
        var n = studentLogits.shape[0];
        var withGrad = studentLogits.requires_grad && is_grad_enabled();
        var detached = studentLogits.detach();
        // Per-token decisions first: they need whole sequences (seq-ll, xie-better) and never carry a gradient.
        Tensor? rowCe = null, mask = null, distil = null;
        using (no_grad())
        {
            if (o.Strategy is CompatibilityStrategy.TokenLl or CompatibilityStrategy.SeqLl or CompatibilityStrategy.XieBetter)
                rowCe = RowCrossEntropy(detached, labels, chunkRows);
            if (o.Strategy.IsMasked())
                mask = Mask(o.Strategy, detached, labels, sequence, sequences, rowCe ?? empty(0), oldTeacher);
            if (o.Strategy == CompatibilityStrategy.XieBetter)
            {
                // Per sequence: distil where the old model's mean CE is no worse than the student's (Xie et al. 2021).
                var better = SequenceMean(-oldTeacher.LabelLogProb, sequence, sequences).le(SequenceMean(rowCe!, sequence, sequences));
                distil = better.index_select(0, sequence).to_type(ScalarType.Float32);
            }
        }

        var sums = zeros(4, dtype: ScalarType.Float32, device: studentLogits.device); // Σ total, comp, ce, aligned
        var grad = withGrad ? empty(studentLogits.shape, dtype: ScalarType.Float32, device: studentLogits.device) : null; // G [N, V]
        foreach (var (start, length) in DistillationOps.RowChunks(n, studentLogits.shape[^1], chunkRows))
        {
            using var chunkScope = NewDisposeScope();
            using var gradMode = withGrad ? enable_grad() : no_grad();
            var z = detached.narrow(0, start, length).to_type(ScalarType.Float32); // [n, V]
            if (withGrad) z = z.detach().requires_grad_(true);
            var rows = new ChunkRows(z, labels.narrow(0, start, length), oldTeacher?.Rows(start, length), newTeacher?.Rows(start, length),
                                     mask?.narrow(0, start, length), distil?.narrow(0, start, length));
            var (total, comp, ce, aligned) = ChunkTerms(rows, o);
            var totalSum = total.sum();
            if (withGrad)
                grad!.narrow(0, start, length).copy_(autograd.grad([totalSum], [z])[0]);
            using (no_grad())
                sums.add_(stack([totalSum.detach(), comp.detach().sum(), ce.detach().sum(), aligned.detach().sum()]));
        }

        var value = sums[0];
        if (withGrad)
        {
            // ⟨z, G⟩ − ⟨z, G⟩.detach() is exactly 0 in value and has gradient G: the chunks' gradients enter the graph
            // without keeping any chunk's graph (see the class remarks).
            var inner = studentLogits.to_type(ScalarType.Float32).reshape(-1).dot(grad!.reshape(-1));
            value = value + (inner - inner.detach());
        }
        return new LossTerms(
            value.MoveToOuterDisposeScope(),
            sums[1].MoveToOuterDisposeScope(),
            sums[2].MoveToOuterDisposeScope(),
            sums[3].MoveToOuterDisposeScope());
    }

    /// <summary>One chunk of rows: the student's fp32 logits z [n, V], labels [n], the teachers' rows and the precomputed decisions.</summary>
    private sealed record ChunkRows(Tensor Z, Tensor Labels, ITeacherTokens? Old, ITeacherTokens? New, Tensor? Mask, Tensor? Distil)
    {
        public ITeacherTokens OldTeacher => Old ?? throw new InvalidOperationException("this strategy needs the old teacher");
        public ITeacherTokens NewTeacher => New ?? throw new InvalidOperationException("this strategy needs the new teacher");
    }

    /// <summary>[n] per-token total, compatibility term, CE at T = 1 and aligned-to-old of one chunk (the strategies' formulas).</summary>
    private static (Tensor Total, Tensor Comp, Tensor Ce, Tensor Aligned) ChunkTerms(ChunkRows r, CompatibilityLossOptions o)
    {
        var t = o.Temperature;
        var z = r.Z;
        var ce = nn.functional.cross_entropy(z, r.Labels, reduction: nn.Reduction.None); // [n], T = 1
        var zero = zeros_like(ce);
        switch (o.Strategy)
        {
            case CompatibilityStrategy.Vanilla:
                return (ce, zero, ce, zero);

            case CompatibilityStrategy.FocalKl:
            case CompatibilityStrategy.FocalLm:
            {
                var oldRight = r.OldTeacher.Argmax.eq(r.Labels).to_type(ScalarType.Float32);
                var weight = o.FocalAlpha + o.FocalBeta * oldRight;
                var distance = o.Strategy == CompatibilityStrategy.FocalKl
                    ? r.OldTeacher.KlToStudent((z / t).log_softmax(-1)) * (t * t)
                    : DistillationOps.CentredLogitDistance(z, r.OldTeacher.Logits
                        ?? throw new InvalidOperationException("focal-lm needs dense old-model logits (no teacher cache)"));
                var comp = weight * distance;
                return (ce + comp, comp, ce, oldRight);
            }

            case CompatibilityStrategy.XieBetter:
            {
                var distil = r.Distil!;
                var alpha = o.CeWeight ?? 0.5;
                var comp = r.OldTeacher.KlToStudent((z / t).log_softmax(-1)) * (t * t);
                var total = distil * (alpha * comp + (1 - alpha) * ce) + (1 - distil) * ce;
                return (total, distil * comp, ce, distil);
            }

            default:
            {
                var m = r.Mask!;
                var studentT = (z / t).log_softmax(-1);
                // One KL per token, to the teacher its mask picks (kl-old never needs the new teacher).
                var teacher = o.Strategy == CompatibilityStrategy.KlOld ? r.OldTeacher : r.OldTeacher.Where(m, r.NewTeacher);
                var comp = teacher.KlToStudent(studentT) * (o.T2Scale ? t * t : 1.0);
                var total = o.CeWeight is double lambda ? lambda * comp + (1 - lambda) * ce : comp;
                return (total, comp, ce, m.to_type(ScalarType.Float32));
            }
        }
    }

    /// <summary>[N] the student's CE at T = 1 per token, detached, one fp32 chunk at a time.</summary>
    private static Tensor RowCrossEntropy(Tensor logits, Tensor labels, int? chunkRows)
    {
        var result = empty(logits.shape[0], dtype: ScalarType.Float32, device: logits.device);
        foreach (var (start, length) in DistillationOps.RowChunks(logits.shape[0], logits.shape[^1], chunkRows))
        {
            using var scope = NewDisposeScope();
            result.narrow(0, start, length).copy_(nn.functional.cross_entropy(
                logits.narrow(0, start, length).to_type(ScalarType.Float32), labels.narrow(0, start, length), reduction: nn.Reduction.None));
        }
        return result;
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
