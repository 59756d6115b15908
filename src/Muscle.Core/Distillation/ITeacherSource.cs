using Muscle.Training;

namespace Muscle.Distillation;

/// <summary>
/// Supplies the two frozen teachers' views of a micro-batch's counted tokens: exactly (forward passes under no_grad)
/// or from a cache of top-k log-probabilities.
/// </summary>
public interface ITeacherSource
{
    (ITeacherTokens? Old, ITeacherTokens? New) Teachers(CausalBatch batch, IReadOnlyList<int> items, bool training, bool needOld, bool needNew);
}
