using System.Text.Json.Nodes;

namespace Muscle.LmEval;

/// <summary>
/// One document's outcome for one filter, before it is written as a line of an lm-eval samples file
/// (<see cref="LmEvalSamplesWriter"/>). The fields are the values lm-eval's evaluator holds before the evaluation
/// tracker writes them (lm-evaluation-harness v0.4.x, <c>lm_eval/evaluator.py</c>, the <c>example</c> dict).
/// </summary>
/// <param name="DocId">The document's 0-based index in the evaluated split.</param>
/// <param name="Doc">The document (hashed into <c>doc_hash</c>).</param>
/// <param name="Target">What <c>doc_to_target</c> gave: the gold choice index (a JSON int) or the reference text.</param>
/// <param name="Arguments">Each request's arguments: <c>(context, continuation)</c> for a log-likelihood request,
/// <c>(context, gen_kwargs)</c> for a generation; the first request's first argument is hashed into <c>prompt_hash</c>.</param>
/// <param name="Resps">Each request's raw responses (<c>[[ll, is_greedy]]</c> per choice, <c>["text"]</c> per generation),
/// numbers and booleans as JSON values; the writer applies <c>sanitize_list</c>.</param>
/// <param name="FilteredResps">Each request's response after the filter.</param>
/// <param name="Filter">The filter's name (<c>none</c> for lm-eval's default take-first).</param>
/// <param name="Metrics">The per-sample metric values in the order the task reports them (<c>acc</c>, <c>acc_norm</c>, ...).</param>
public sealed record LmEvalLogSample(
    int DocId,
    JsonObject Doc,
    JsonNode? Target,
    IReadOnlyList<IReadOnlyList<JsonNode?>> Arguments,
    JsonArray Resps,
    JsonArray FilteredResps,
    string Filter,
    IReadOnlyList<KeyValuePair<string, double>> Metrics);
