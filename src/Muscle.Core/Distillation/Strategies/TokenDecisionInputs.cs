using static TorchSharp.torch;

namespace Muscle.Distillation;

/// <summary>
/// What a token-level decision sees, over the whole micro-batch and detached: the student's logits [N, V], the labels
/// [N], each token's sequence [N] of <paramref name="Sequences"/>, the student's CE [N] (when the strategy asks for it)
/// and the old teacher.
/// </summary>
internal sealed record TokenDecisionInputs(Tensor StudentLogits, Tensor Labels, Tensor Sequence, int Sequences, Tensor? StudentCe,
                                           ITeacherTokens? OldTeacher)
{
    public ITeacherTokens Old => OldTeacher ?? throw new InvalidOperationException("this strategy needs the old teacher");
    public Tensor Ce => StudentCe ?? throw new InvalidOperationException("this strategy needs the student's CE");
}
