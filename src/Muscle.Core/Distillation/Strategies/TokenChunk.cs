using static TorchSharp.torch;

namespace Muscle.Distillation;

/// <summary>One chunk of rows: the student's fp32 logits z [n, V], labels [n], the teachers' rows and the chunk's slice of the decision.</summary>
internal sealed record TokenChunk(Tensor Z, Tensor Labels, ITeacherTokens? Old, ITeacherTokens? New, Tensor? Decision)
{
    public ITeacherTokens OldTeacher => Old ?? throw new InvalidOperationException("this strategy needs the old teacher");
    public ITeacherTokens NewTeacher => New ?? throw new InvalidOperationException("this strategy needs the new teacher");
}
