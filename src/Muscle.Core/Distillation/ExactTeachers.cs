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
            oldT = new DenseTeacherTokens(CountedLogits(oldModel, batch), labels, temperature);
        if (needNew)
        {
            newModel.SetAdapter(newTaskAdapter);
            try
            {
                newT = new DenseTeacherTokens(CountedLogits(newModel, batch), labels, temperature);
            }
            finally
            {
                newModel.SetAdapter(studentAdapter);
            }
        }
        return (oldT, newT);
    }

    /// <summary>
    /// [N, V] logits at the counted positions, in the model's dtype. The [B, T, V] forward output is freed here rather
    /// than at the end of the step (index_select keeps no reference to its input, with or without a graph).
    /// </summary>
    public static Tensor CountedLogits(ICausalLM model, CausalBatch batch)
    {
        using var scope = NewDisposeScope();
        return batch.SelectCounted(model.Forward(batch.InputIds, null, batch.AttentionMask)).MoveToOuterDisposeScope();
    }
}
