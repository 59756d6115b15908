using Muscle.Tasks.Readers;

namespace Muscle.Tasks;

/// <summary>
/// <c>piqa</c>: jsonl <c>{goal, sol1, sol2}</c> and a labels file (one 0/1 a line, aligned with the records),
/// or a <c>label</c> field in each record when no labels file is given (Hugging Face exports).
/// lm-eval: <c>"Question: {goal}\nAnswer:"</c>, choices <c>[sol1, sol2]</c>. Id = record index (PIQA has no id).
/// </summary>
public sealed class PiqaTask : MultipleChoiceTask
{
    public override string Name => "piqa";

    public override bool TakesLabelsFile => true;

    public override string Description =>
        "jsonl {goal, sol1, sol2} + --labels FILE (0/1 a line); \"Question: {goal}\\nAnswer:\" + \" {sol}\"";

    protected override List<(long Line, TaskExample Example)> Read(string path, string? labelsPath, bool labelled)
    {
        if (!labelled) return ReadJsonLines(path, r => Build(r, gold: null));
        if (labelsPath is null)
            return ReadJsonLines(path, r =>
            {
                // The record's own fields first: a record of another task (HellaSwag has a label too) is named as such.
                var example = Build(r, gold: 0);
                if (!r.Has("label")) throw r.Error("missing field 'label' (piqa keeps its labels in a separate file: pass --labels FILE)");
                return example with { Gold = r.Label("label", 2) };
            });

        var records = ReadJsonLines(path, r => Build(r, gold: 0));
        var labels = LabelsFile.Read(labelsPath);
        LabelsFile.CheckAligned(labelsPath, labels, records.Count, path, choiceCount: 2);
        return [.. records.Select((row, i) => (row.Line, row.Example with { Gold = labels[i].Label }))];
    }

    private static TaskExample Build(JsonRecord r, int? gold) =>
        Choice(r.Id(), $"Question: {r.String("goal")}\nAnswer:", [r.String("sol1"), r.String("sol2")], gold);
}
