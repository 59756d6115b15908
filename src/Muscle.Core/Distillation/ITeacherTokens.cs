using static TorchSharp.torch;

namespace Muscle.Distillation;

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
