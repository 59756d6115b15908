using Muscle.Tasks.Readers;

namespace Muscle.Tasks;

/// <summary>
/// <c>gsm8k</c>: jsonl <c>{question, answer}</c> (id = <c>id</c> field or record index). lm-eval: prompt
/// <c>"Question: {question}\nAnswer:"</c>, training text prompt + <c>" " + answer</c>; greedy until
/// "Question:", "&lt;/s&gt;", "&lt;|im_end|&gt;", 256 new tokens (lm-eval's max_gen_toks). Zero-shot here; the
/// harness default is 5 shots. A record whose answer has no <c>#### N</c> is rejected: it could never be scored.
/// </summary>
public sealed class Gsm8kTask : GenerativeTask
{
    public override string Name => "gsm8k";

    public override string Description =>
        "jsonl {question, answer ending in '#### N'}; \"Question: {question}\\nAnswer:\" + \" {answer}\"; exact match of N";

    public override GenerationSpec Generation { get; } =
        new(["Question:", "</s>", "<|im_end|>"], MaxNewTokens: 256, NoRepeatNgramSize: 0, Metric: "exact_match");

    protected override List<(long Line, TaskExample Example)> Read(string path, string? labelsPath, bool labelled) =>
        ReadJsonLines(path, r =>
        {
            if (!labelled) return Prompt(r.Id(), $"Question: {r.String("question")}\nAnswer:", target: null);
            var answer = r.String("answer");
            var gold = Gsm8kAnswer.Gold(answer);
            if (gold == Gsm8kAnswer.Invalid) throw r.Error("field 'answer' has no final '#### <number>'");
            return Prompt(r.Id(), $"Question: {r.String("question")}\nAnswer:", answer,
                new Dictionary<string, string> { ["gold"] = gold });
        });

    /// <summary>Cut at the stops, extract (strict, else last number) and compare with the gold number.</summary>
    public override GenerationScore Score(string generation, TaskExample example)
    {
        var gold = example.Extra?.GetValueOrDefault("gold") ?? Gsm8kAnswer.Gold(example.Target ?? "");
        var prediction = Gsm8kAnswer.Extract(Generation.CutAtStop(generation));
        var correct = Gsm8kAnswer.IsCorrect(prediction, gold);
        return new GenerationScore(prediction, gold, correct ? 1 : 0, correct);
    }
}

/// <summary>
/// <c>samsum</c>: CSV (RFC 4180, header with <c>dialogue</c>, <c>summary</c>, optional <c>id</c>), a JSON array, or
/// JSONL of <c>{id?, dialogue, summary}</c>; the format is picked by the first non-blank character ('[' array,
/// '{' JSONL, else CSV). Prompt <c>"Dialogue: {dialogue}\nSummary:"</c>, training text prompt +
/// <c>" " + summary</c>. Text is kept verbatim, CRLF inside dialogues included. Greedy, 128 new
/// tokens, no-repeat-ngram 2, stops "Dialogue:", "Summary:", "&lt;/s&gt;", "\n\n". Metric rouge1, computed by the
/// metrics library: <see cref="Score"/> returns the cut, trimmed generation and the reference with a null score.
/// </summary>
public sealed class SamsumTask : GenerativeTask
{
    public override string Name => "samsum";

    public override string Description =>
        "CSV/JSON/JSONL {id?, dialogue, summary}; \"Dialogue: {dialogue}\\nSummary:\" + \" {summary}\"; ROUGE-1";

    public override GenerationSpec Generation { get; } =
        new(["Dialogue:", "Summary:", "</s>", "\n\n"], MaxNewTokens: 128, NoRepeatNgramSize: 2, Metric: "rouge1");

    protected override List<(long Line, TaskExample Example)> Read(string path, string? labelsPath, bool labelled) =>
        FirstNonBlank(path) switch
        {
            '[' => JsonInput.ReadArray(path, r => (r.Line, FromJson(r, labelled))),
            '{' => ReadJsonLines(path, r => FromJson(r, labelled)),
            null => [],
            _ => FromCsv(path, labelled),
        };

    public override GenerationScore Score(string generation, TaskExample example) =>
        new(PythonText.Strip(Generation.CutAtStop(generation)), example.Target ?? "", Score: null, Correct: null);

    private static TaskExample FromJson(JsonRecord r, bool labelled) =>
        Build(r.Id(), r.String("dialogue"), labelled ? r.String("summary") : null);

    private static List<(long Line, TaskExample Example)> FromCsv(string path, bool labelled)
    {
        var table = CsvTable.Read(path);
        var idAt = table.Column("id", required: false);
        var dialogueAt = table.Column("dialogue");
        var summaryAt = labelled ? table.Column("summary") : -1;
        return [.. table.Rows.Select((row, i) => (row.Line,
            Build(idAt >= 0 ? row.Fields[idAt] : i.ToString(System.Globalization.CultureInfo.InvariantCulture),
                row.Fields[dialogueAt], summaryAt >= 0 ? row.Fields[summaryAt] : null)))];
    }

    private static TaskExample Build(string id, string dialogue, string? summary) =>
        Prompt(id, $"Dialogue: {dialogue}\nSummary:", summary);

    private static char? FirstNonBlank(string path)
    {
        using var reader = DataFile.OpenText(path);
        int c;
        while ((c = reader.Read()) != -1)
            if (!char.IsWhiteSpace((char)c)) return (char)c;
        return null;
    }
}

/// <summary>
/// <c>jsonl-gen</c>, generic generation: <c>{id?, prompt, target}</c>. The model reads the prompt verbatim and the
/// training answer is lm-eval's delimiter plus the target (<c>" " + target</c>). Greedy until "\n\n", "&lt;/s&gt;",
/// "&lt;|im_end|&gt;", 256 new tokens; exact match of the stripped generation against the stripped target.
/// </summary>
public sealed class JsonlGenTask : GenerativeTask
{
    public override string Name => "jsonl-gen";

    public override string Description => "jsonl {id?, prompt, target}; \"{prompt}\" + \" {target}\"; exact match";

    public override GenerationSpec Generation { get; } =
        new(["\n\n", "</s>", "<|im_end|>"], MaxNewTokens: 256, NoRepeatNgramSize: 0, Metric: "exact_match");

    protected override List<(long Line, TaskExample Example)> Read(string path, string? labelsPath, bool labelled) =>
        ReadJsonLines(path, r => Prompt(r.Id(), r.String("prompt"), labelled ? r.String("target") : null));

    public override GenerationScore Score(string generation, TaskExample example)
    {
        var prediction = PythonText.Strip(Generation.CutAtStop(generation));
        var reference = PythonText.Strip(example.Target ?? "");
        var correct = prediction == reference;
        return new GenerationScore(prediction, reference, correct ? 1 : 0, correct);
    }
}
