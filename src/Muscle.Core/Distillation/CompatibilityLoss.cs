using static TorchSharp.torch;

namespace Muscle.Distillation;

// Shapes: N counted tokens of a micro-batch, V vocabulary, S sequences in the micro-batch.

/// <summary>
/// The token-level compatibility losses (each <see cref="CompatibilityStrategy"/> gives its decision and terms), summed
/// over counted tokens. Everything runs in fp32; decisions are computed from detached values and carry no gradient.
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
        var strategy = o.Strategy;
        Tensor? decision;
        using (no_grad())
        {
            var rowCe = strategy.NeedsStudentCe ? RowCrossEntropy(detached, labels, chunkRows) : null;
            decision = strategy.Decide(new TokenDecisionInputs(detached, labels, sequence, sequences, rowCe, oldTeacher))?.detach();
        }

        var sums = zeros(4, dtype: ScalarType.Float32, device: studentLogits.device); // Σ total, comp, ce, aligned
        var grad = withGrad ? empty(studentLogits.shape, dtype: ScalarType.Float32, device: studentLogits.device) : null; // G [N, V]
        foreach (var (start, length) in DistillationOps.RowChunks(n, studentLogits.shape[^1], chunkRows))
        {
            using var chunkScope = NewDisposeScope();
            using var gradMode = withGrad ? enable_grad() : no_grad();
            var z = detached.narrow(0, start, length).to_type(ScalarType.Float32); // [n, V]
            if (withGrad) z = z.detach().requires_grad_(true);
            var chunkLabels = labels.narrow(0, start, length);
            var ce = nn.functional.cross_entropy(z, chunkLabels, reduction: nn.Reduction.None); // [n], T = 1
            var rows = new TokenChunk(z, chunkLabels, ce, oldTeacher?.Rows(start, length), newTeacher?.Rows(start, length),
                                      decision?.narrow(0, start, length));
            var (total, comp, aligned) = strategy.TokenTerms(rows, o);
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

    /// <summary>[S] Σ of <paramref name="perToken"/> over each sequence's tokens.</summary>
    public static Tensor SequenceSum(Tensor perToken, Tensor sequence, int sequences) =>
        zeros(sequences, dtype: perToken.dtype, device: perToken.device).index_add(0, sequence, perToken, 1);

    /// <summary>[S] mean of <paramref name="perToken"/> over each sequence's tokens.</summary>
    public static Tensor SequenceMean(Tensor perToken, Tensor sequence, int sequences)
    {
        var counts = SequenceSum(ones_like(perToken), sequence, sequences).clamp_min(1);
        return SequenceSum(perToken, sequence, sequences) / counts;
    }
}
