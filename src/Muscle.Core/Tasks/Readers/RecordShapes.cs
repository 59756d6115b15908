using System.Text.Json;

namespace Muscle.Tasks.Readers;

/// <summary>
/// The fields that give away which task format a JSON record was written for (the readers in <c>Tasks/</c>), so a
/// record read as the wrong task can say what it looks like instead of only which field it lacks.
/// </summary>
public static class RecordShapes
{
    // Each format with every field its reader needs: a record holding all of them reads as that format, so the task
    // that found a field missing is another one and the hint cannot point back at it.
    private static readonly (string Format, string Tasks, string[] Fields)[] Shapes =
    [
        ("HellaSwag", "hellaswag", ["activity_label", "ctx_a", "ctx_b", "endings"]),
        ("PIQA", "piqa", ["goal", "sol1", "sol2"]),
        ("llm-foundry multiple-choice", "arc_easy, arc_challenge, boolq or copa", ["query", "choices", "gold"]),
        ("llm-foundry schema", "winogrande", ["context_options", "continuation", "gold"]),
        ("GSM8K", "gsm8k", ["question", "answer"]),
        ("SAMSum", "samsum", ["dialogue", "summary"]),
        ("jsonl-mc", "jsonl-mc", ["context", "choices"]),
        ("jsonl-gen", "jsonl-gen", ["prompt", "target"]),
    ];

    /// <summary>
    /// <c> (this looks like a PIQA record: goal, sol1, sol2; --task piqa)</c> when <paramref name="root"/>
    /// has every field of one known format; empty otherwise.
    /// </summary>
    public static string Hint(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object) return "";
        foreach (var (format, tasks, fields) in Shapes)
            if (fields.All(f => root.TryGetProperty(f, out _)))
                return $" (this looks like a {format} record: {string.Join(", ", fields)}; --task {tasks})";
        return "";
    }
}
