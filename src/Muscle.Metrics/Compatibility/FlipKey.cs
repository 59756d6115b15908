namespace Muscle.Compatibility;

/// <summary>
/// Which item flipped: its id in a predictions JSONL (<see cref="Task"/> null), or an lm-eval task's doc_id
/// (<see cref="Task"/> the task name, <see cref="Id"/> the doc_id as text).
/// </summary>
public sealed record FlipKey(string? Task, string Id)
{
    /// <summary>"id 17" or "hellaswag doc_id 17", for messages.</summary>
    public override string ToString() => Task is null ? $"id {Id}" : $"{Task} doc_id {Id}";
}
