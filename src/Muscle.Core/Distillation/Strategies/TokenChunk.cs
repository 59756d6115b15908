using static TorchSharp.torch;

namespace Muscle.Distillation;

/// <summary>
/// One chunk of rows: the student's fp32 logits z [n, V], labels [n], the student's CE at T = 1 [n] (with gradient),
/// the teachers' rows and the chunk's slice of the decision.
/// </summary>
internal sealed record TokenChunk(Tensor Z, Tensor Labels, Tensor Ce, ITeacherTokens? Old, ITeacherTokens? New, Tensor? Decision)
{
    public ITeacherTokens OldTeacher => Old ?? throw new InvalidOperationException("this strategy needs the old teacher");
    public ITeacherTokens NewTeacher => New ?? throw new InvalidOperationException("this strategy needs the new teacher");
}
