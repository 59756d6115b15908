using Muscle.Tasks.Readers;

namespace Muscle.Tasks;

/// <summary>
/// Tasks read from MosaicML llm-foundry's ICL jsonl (<c>{query, choices[], gold}</c>), rewritten into lm-eval's
/// prompt as far as the fields allow. Ids = record index (the files carry none).
/// </summary>
public abstract class LlmFoundryChoiceTask : MultipleChoiceTask
{
    protected override List<(long Line, TaskExample Example)> Read(string path, string? labelsPath, bool labelled) =>
        ReadJsonLines(path, r =>
        {
            var choices = r.StringArray("choices", minCount: 2);
            return Choice(r.Id(), Context(r, r.String("query")), choices, labelled ? r.Label("gold", choices.Count) : null);
        });

    /// <summary>lm-eval's context built from llm-foundry's query.</summary>
    protected abstract string Context(JsonRecord record, string query);
}

/// <summary>
/// <c>arc_easy</c> / <c>arc_challenge</c>. lm-eval: <c>"Question: {question}\nAnswer:"</c> + <c>" {choice}"</c>.
/// llm-foundry's query is already <c>"Question: {question}"</c>, so we append <c>"\nAnswer:"</c> (and add the
/// "Question: " prefix if a file lacks it). Exactly lm-eval's text.
/// </summary>
public sealed class ArcTask(string name) : LlmFoundryChoiceTask
{
    public override string Name => name;

    public override string Description =>
        "llm-foundry jsonl {query: \"Question: ...\", choices[], gold}; \"Question: {question}\\nAnswer:\" + \" {choice}\"";

    protected override string Context(JsonRecord record, string query) =>
        (query.StartsWith("Question: ", StringComparison.Ordinal) ? query : "Question: " + query) + "\nAnswer:";
}

/// <summary>
/// <c>boolq</c>. lm-eval: <c>"{passage}\nQuestion: {question}?\nAnswer:"</c> + <c>" no"</c>/<c>" yes"</c>.
/// llm-foundry's query is <c>"Passage: {passage}\nQuestion: {question}?"</c>: we drop the "Passage: " prefix
/// and append <c>"\nAnswer:"</c>. Not recoverable: SuperGLUE passages start with "{title} -- ", which the
/// llm-foundry file does not carry, so contexts lack the title lm-eval would show. acc only (lm-eval).
/// </summary>
public sealed class BoolqTask : LlmFoundryChoiceTask
{
    public override string Name => "boolq";

    public override MultipleChoiceScoring? Scoring => new(ReportsAccNorm: false, PartialScoring: false);

    public override string Description =>
        "llm-foundry jsonl {query: \"Passage: ...\\nQuestion: ...?\", choices [no, yes], gold}; \"{passage}\\nQuestion: {question}?\\nAnswer:\" + \" {choice}\"";

    protected override string Context(JsonRecord record, string query) =>
        (query.StartsWith("Passage: ", StringComparison.Ordinal) ? query["Passage: ".Length..] : query) + "\nAnswer:";
}

/// <summary>
/// <c>copa</c>. lm-eval (super_glue/copa/utils.py): premise without its final period + " because"/" therefore",
/// choices with their first letter lower-cased. llm-foundry writes <c>"{premise}, therefore"</c> and lower-cases
/// the choices, so we turn the trailing ", because"/", therefore" into " because"/" therefore". Choices are kept
/// as given: llm-foundry lower-cased all of each choice where lm-eval lowers the first letter only (no COPA
/// choice in the shared file has a capital after its first letter). acc only (lm-eval).
/// </summary>
public sealed class CopaTask : LlmFoundryChoiceTask
{
    public override string Name => "copa";

    public override MultipleChoiceScoring? Scoring => new(ReportsAccNorm: false, PartialScoring: false);

    public override string Description =>
        "llm-foundry jsonl {query: \"{premise}, because|therefore\", choices[2], gold}; \"{premise} because|therefore\" + \" {choice}\"";

    protected override string Context(JsonRecord record, string query)
    {
        foreach (var connector in (string[])["because", "therefore"])
            if (query.EndsWith(", " + connector, StringComparison.Ordinal))
                return query[..^(connector.Length + 2)] + " " + connector;
        return query;
    }
}

/// <summary>
/// <c>winogrande</c>, partial scoring. lm-eval (winogrande/preprocess_winogrande.py): for each option the context
/// is the sentence up to the blank with the option filled in, and the shared continuation is
/// <c>" " + rest of the sentence, stripped</c>; the model is scored on the continuation only. llm-foundry's
/// <c>{context_options[], continuation, gold}</c> holds exactly those pieces. acc only (lm-eval).
/// </summary>
public sealed class WinograndeTask : MultipleChoiceTask
{
    public override string Name => "winogrande";

    public override MultipleChoiceScoring? Scoring => new(ReportsAccNorm: false, PartialScoring: true);

    public override string Description =>
        "llm-foundry jsonl {context_options[2], continuation, gold}; per-choice context \"{sentence up to _}{option}\" + shared \" {rest}\"";

    protected override List<(long Line, TaskExample Example)> Read(string path, string? labelsPath, bool labelled) =>
        ReadJsonLines(path, r =>
        {
            var contexts = r.StringArray("context_options", minCount: 2);
            var continuation = TaskExample.TargetDelimiter + PythonText.Strip(r.String("continuation"));
            int? gold = labelled ? r.Label("gold", contexts.Count) : null;
            return new TaskExample(r.Id(), Context: "", [.. contexts.Select(_ => continuation)], gold, Target: null,
                ChoiceContexts: contexts);
        });
}
