namespace Muscle.Events;

/// <summary>Which part of a teacher cache is being computed.</summary>
public enum TeacherCachePart
{
    /// <summary>Both teachers' per-choice scores of every item.</summary>
    Choices,
    /// <summary>Both teachers' per-token summaries, batch by batch.</summary>
    Tokens,
}
