namespace Muscle.Tasks;

/// <summary>
/// A task with an lm-evaluation-harness name: reads its data file, renders each item exactly as the model sees
/// it, and knows how it is scored. Implementations are stateless and thread-safe.
/// </summary>
public interface ITaskDefinition
{
    /// <summary>The lm-eval task name (<c>hellaswag</c>, <c>piqa</c>, ...) or our generic name (<c>jsonl-mc</c>).</summary>
    string Name { get; }

    TaskKind Kind { get; }

    /// <summary>One line for help texts: the file format and the prompt template.</summary>
    string Description { get; }

    /// <summary>Whether the task reads its labels from a separate file (piqa's <c>*-labels.lst</c>).</summary>
    bool TakesLabelsFile { get; }

    /// <summary>Multiple choice only (null for generative tasks).</summary>
    MultipleChoiceScoring? Scoring { get; }

    /// <summary>Generative only (null for multiple-choice tasks).</summary>
    GenerationSpec? Generation { get; }

    /// <summary>
    /// Reads every example of <paramref name="path"/>. Any problem with the file is a
    /// <see cref="Muscle.Infrastructure.MuscleInputException"/> naming the file and the 1-based line.
    /// </summary>
    IReadOnlyList<TaskExample> Load(string path, string? labelsPath = null);

    /// <summary>
    /// The unlabelled reading mode (<c>--transfer</c> files): the same format and prompt, but the label or answer field
    /// (and column) may be absent; when present it is ignored, not even checked. Examples come back without gold
    /// (<see cref="TaskExample.Gold"/> and <see cref="TaskExample.Target"/> null), each with its 1-based line. The rest
    /// is checked as in <see cref="Load"/> (non-empty file, unique ids, well-formed records).
    /// </summary>
    IReadOnlyList<(long Line, TaskExample Example)> LoadUnlabelled(string path);

    /// <summary>The training sequence: the context and the gold continuation (MC) or the reference (generative).</summary>
    TrainingText TrainingText(TaskExample example);

    /// <summary>
    /// Generative only: scores a raw generation (it is cut at the stop sequences first). Multiple-choice tasks
    /// throw <see cref="NotSupportedException"/>; use <see cref="MultipleChoiceRules.Decide"/>.
    /// </summary>
    GenerationScore Score(string generation, TaskExample example);
}
