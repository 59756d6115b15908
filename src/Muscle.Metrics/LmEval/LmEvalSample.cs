using Muscle.Predictions;

namespace Muscle.LmEval;

/// <summary>
/// One line of an lm-evaluation-harness <c>samples_&lt;task&gt;_&lt;timestamp&gt;.jsonl</c> (written with
/// <c>--log_samples</c>; lm-eval v0.4.x, <c>lm_eval/evaluator.py</c> builds it as <c>doc_id, doc, target, arguments,
/// resps, filtered_resps, filter, metrics, doc_hash, prompt_hash, target_hash</c> plus one key per metric). lm-eval
/// writes one line per document and filter.
/// </summary>
/// <param name="DocId">The document's index in the task's evaluation split, as text.</param>
/// <param name="Filter">The filter pipeline's name (<c>none</c> when the task has no filter list).</param>
/// <param name="DocHash">SHA-256 of the document's JSON, null in files older than v0.4.2 that lack it.</param>
/// <param name="Target">The gold answer: a choice index for multiple choice, text for generation.</param>
/// <param name="ChoiceLogLikelihoods">Per-choice log-likelihoods read from <c>filtered_resps</c>; null for generation.</param>
/// <param name="ChoiceLengths">Character length of each choice's continuation (for acc_norm's argmax); null when unknown.</param>
/// <param name="Response">The first filtered response as text (the generation after the filter).</param>
/// <param name="Metrics">Per-sample metric values by name; null where a metric's value is not a number (corpus-level metrics such as bleu keep a pair).</param>
/// <param name="TaskKey">The line's own <c>task</c> key, which lm-eval does not write but merged files may carry.</param>
/// <param name="Doc">The document as compact JSON, shown next to negative flips.</param>
/// <param name="Line">1-based line number, for messages.</param>
public sealed record LmEvalSample(
    string DocId,
    string Filter,
    string? DocHash,
    Label? Target,
    IReadOnlyList<double>? ChoiceLogLikelihoods,
    IReadOnlyList<int>? ChoiceLengths,
    string? Response,
    IReadOnlyDictionary<string, double?> Metrics,
    string? TaskKey,
    string? Doc,
    int Line);
