using Muscle.Infrastructure;
using Muscle.Tasks.Readers;

namespace Muscle.Tasks;

/// <summary>Shared loading rules: non-empty files, unique ids, and no labels file unless the task takes one.</summary>
public abstract class TaskBase : ITaskDefinition
{
    public abstract string Name { get; }

    public abstract TaskKind Kind { get; }

    public abstract string Description { get; }

    public virtual bool TakesLabelsFile => false;

    public virtual MultipleChoiceScoring? Scoring => null;

    public virtual GenerationSpec? Generation => null;

    public IReadOnlyList<TaskExample> Load(string path, string? labelsPath = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (labelsPath is not null && !TakesLabelsFile)
            throw new MuscleInputException($"task '{Name}' keeps its labels in the data file and takes no labels file", labelsPath);
        return [.. Checked(path, labelsPath, labelled: true).Select(r => r.Example)];
    }

    public IReadOnlyList<(long Line, TaskExample Example)> LoadUnlabelled(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return Checked(path, null, labelled: false);
    }

    private List<(long Line, TaskExample Example)> Checked(string path, string? labelsPath, bool labelled)
    {
        DataFile.CheckExists(path);
        var rows = Read(path, labelsPath, labelled);
        if (rows.Count == 0) throw new MuscleInputException("no examples in the file", path, 1);
        var seen = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var (line, example) in rows)
            if (!seen.TryAdd(example.Id, line))
                throw new MuscleInputException($"duplicate id '{example.Id}' (first seen at line {seen[example.Id]})", path, line);
        return rows;
    }

    public abstract TrainingText TrainingText(TaskExample example);

    public virtual GenerationScore Score(string generation, TaskExample example) =>
        throw new NotSupportedException($"task '{Name}' is multiple choice: score it with MultipleChoiceRules.Decide");

    /// <summary>
    /// Reads the file; <see cref="Load"/> then checks emptiness and id uniqueness using the lines. With
    /// <paramref name="labelled"/> false (<see cref="LoadUnlabelled"/>) the label/answer is neither required nor read.
    /// </summary>
    protected abstract List<(long Line, TaskExample Example)> Read(string path, string? labelsPath, bool labelled);

    protected static List<(long Line, TaskExample Example)> ReadJsonLines(string path, Func<JsonRecord, TaskExample> map) =>
        JsonInput.ReadLines(path, r => (r.Line, map(r)));
}

/// <summary>Multiple choice scored by the log-likelihood of <c>" " + choice</c> after the context (lm-eval).</summary>
public abstract class MultipleChoiceTask : TaskBase
{
    public override TaskKind Kind => TaskKind.MultipleChoice;

    public override MultipleChoiceScoring? Scoring => new(ReportsAccNorm: true, PartialScoring: false);

    /// <summary>The context and the gold continuation (for partial scoring: the gold choice's context).</summary>
    public override TrainingText TrainingText(TaskExample example)
    {
        if (example.Gold is not { } gold) throw new ArgumentException($"example '{example.Id}' has no gold choice", nameof(example));
        var request = example.Request(gold);
        return new TrainingText(request.Context, request.Continuation);
    }

    /// <summary>An example whose continuations are the raw choices behind lm-eval's target delimiter.</summary>
    protected static TaskExample Choice(string id, string context, IEnumerable<string> rawChoices, int? gold) =>
        new(id, context, [.. rawChoices.Select(c => TaskExample.TargetDelimiter + c)], gold, Target: null);
}

/// <summary>Generation until a stop sequence; the training answer is lm-eval's delimiter plus the reference.</summary>
public abstract class GenerativeTask : TaskBase
{
    public override TaskKind Kind => TaskKind.Generative;

    public abstract override GenerationSpec Generation { get; }

    public override TrainingText TrainingText(TaskExample example) =>
        new(example.Context, TaskExample.TargetDelimiter + (example.Target
            ?? throw new ArgumentException($"example '{example.Id}' has no target", nameof(example))));

    protected static TaskExample Prompt(string id, string prompt, string? target, IReadOnlyDictionary<string, string>? extra = null) =>
        new(id, prompt, [], Gold: null, target, extra);
}
