using Muscle.Adapters;
using Muscle.Models;
using Muscle.Training;
using static TorchSharp.torch;

namespace Muscle.Distillation;

// Shapes: B sequences, T positions, V vocabulary, N counted tokens of a micro-batch.

/// <summary>
/// Exact teachers. The new task model shares the student's base: both adapters are named members of it, and the
/// teacher pass selects <paramref name="newTaskAdapter"/> by name for its forward and then <paramref name="studentAdapter"/>
/// again (PEFT's <c>set_adapter</c>), so the new base is held once.
/// </summary>
/// <param name="newTaskAdapter">Name of the new task adapter in <paramref name="newModel"/>.</param>
/// <param name="studentAdapter">Name of the student's adapter in <paramref name="newModel"/>, active outside the teacher pass.</param>
public sealed class ExactTeachers(ICausalLM oldModel, ICausalLM newModel, string newTaskAdapter, string studentAdapter,
                                  double temperature) : ITeacherSource
{
    public (ITeacherTokens? Old, ITeacherTokens? New) Teachers(CausalBatch batch, IReadOnlyList<int> items, bool training,
                                                                bool needOld, bool needNew)
    {
        using var _ = no_grad();
        var labels = batch.CountedLabels();
        ITeacherTokens? oldT = null, newT = null;
        if (needOld)
            oldT = new DenseTeacherTokens(batch.CountedLogits(oldModel), labels, temperature);
        if (needNew)
        {
            newModel.SetAdapter(newTaskAdapter);
            try
            {
                newT = new DenseTeacherTokens(batch.CountedLogits(newModel), labels, temperature);
            }
            finally
            {
                newModel.SetAdapter(studentAdapter);
            }
        }
        return (oldT, newT);
    }
}
