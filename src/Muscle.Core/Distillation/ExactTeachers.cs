using Muscle.Adapters;
using Muscle.Models;
using Muscle.Training;
using static TorchSharp.torch;

namespace Muscle.Distillation;

// Shapes: B sequences, T positions, V vocabulary, N counted tokens of a micro-batch.

/// <summary>
/// Exact teachers. The new task model shares the student's base: its adapter is swapped in for the teacher pass and
/// the student's swapped back (PEFT's <c>set_adapter</c> pattern), so the new base is held once.
/// </summary>
public sealed class ExactTeachers(ICausalLM oldModel, ICausalLM newModel, LoraAdapter newTaskAdapter, LoraAdapter student,
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
            newTaskAdapter.AttachTo(newModel);
            try
            {
                newT = new DenseTeacherTokens(CountedLogits(newModel, batch), labels, temperature);
            }
            finally
            {
                student.AttachTo(newModel);
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
