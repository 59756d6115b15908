using Muscle.Training;

namespace Muscle.Distillation;

/// <summary>An <see cref="ITeacherSource"/> whose training items are a subset of the one it wraps (kept transfer items).</summary>
internal sealed class SubsetTeachers(ITeacherSource inner, IReadOnlyList<int> trainItems) : ITeacherSource
{
    public (ITeacherTokens? Old, ITeacherTokens? New) Teachers(CausalBatch batch, IReadOnlyList<int> items, bool training, bool needOld, bool needNew) =>
        inner.Teachers(batch, training ? [.. items.Select(i => trainItems[i])] : items, training, needOld, needNew);
}
