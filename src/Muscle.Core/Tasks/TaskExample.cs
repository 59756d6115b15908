namespace Muscle.Tasks;

/// <summary>How a task is scored: by comparing continuation log-likelihoods, or by generating text.</summary>
public enum TaskKind
{
    MultipleChoice,
    Generative,
}

/// <summary>
/// One evaluation or training item, already rendered the way lm-evaluation-harness renders it.
/// </summary>
/// <param name="Id">From the file when it has an id field, else the 0-based index of the record among the
/// file's non-blank records (header rows excluded), as a string. Unique within a file.</param>
/// <param name="Context">The prompt the model reads. Multiple choice: the text before each continuation.
/// Empty for partial-scoring tasks (winogrande), whose contexts differ per choice: see <see cref="ChoiceContexts"/>.
/// Generative: the prompt up to where generation starts.</param>
/// <param name="Choices">Multiple choice: the continuation scored for each choice, including the leading
/// target delimiter (<see cref="TargetDelimiter"/>, one space), exactly as appended to the context. Empty for
/// generative tasks.</param>
/// <param name="Gold">Multiple choice: index of the correct choice. Null for generative tasks.</param>
/// <param name="Target">Generative: the reference continuation as written in the file (gsm8k: the whole
/// worked answer ending in <c>#### N</c>; samsum: the summary). Null for multiple choice.</param>
/// <param name="Extra">Task-specific values worth keeping (gsm8k: <c>gold</c>, the extracted final number).</param>
/// <param name="ChoiceContexts">Partial scoring (winogrande): one context per choice, and the choices all hold
/// the same continuation. Null for every other task.</param>
public sealed record TaskExample(
    string Id,
    string Context,
    IReadOnlyList<string> Choices,
    int? Gold,
    string? Target,
    IReadOnlyDictionary<string, string>? Extra = null,
    IReadOnlyList<string>? ChoiceContexts = null)
{
    /// <summary>lm-eval's default <c>target_delimiter</c>, put between the context and every continuation.</summary>
    public const string TargetDelimiter = " ";

    /// <summary>The (context, continuation) pair whose continuation log-likelihood scores choice <paramref name="choice"/>.</summary>
    public ChoiceRequest Request(int choice) =>
        new(ChoiceContexts is null ? Context : ChoiceContexts[choice], Choices[choice]);

    /// <summary>All scoring requests, one per choice, in choice order.</summary>
    public IReadOnlyList<ChoiceRequest> Requests() => [.. Enumerable.Range(0, Choices.Count).Select(Request)];

    /// <summary>
    /// The length acc_norm divides by, as lm-eval computes it: the character count of the choice string it was
    /// given (without the delimiter). For partial scoring lm-eval's choices are the per-choice contexts, so it is
    /// their length (winogrande reports acc only, so this never decides a reported number there).
    /// </summary>
    public int NormLength(int choice) =>
        ChoiceContexts is null ? Choices[choice].Length - TargetDelimiter.Length : ChoiceContexts[choice].Length;
}

/// <summary>One log-likelihood request: the model reads <paramref name="Context"/> and scores <paramref name="Continuation"/>.</summary>
public sealed record ChoiceRequest(string Context, string Continuation);

/// <summary>
/// The full training sequence split where the answer begins, so a trainer can put the loss on all tokens
/// (<c>Context + Answer</c>, the paper) or on the answer only.
/// </summary>
public sealed record TrainingText(string Context, string Answer)
{
    public string Full => Context + Answer;
}

/// <summary>How the multiple-choice metrics of a task are computed and which ones lm-eval reports for it.</summary>
/// <param name="ReportsAccNorm">Whether lm-eval's task config lists acc_norm (hellaswag, piqa, arc do; boolq,
/// copa, winogrande, sst2 report acc only). acc_norm can always be computed; this only says what to print.</param>
/// <param name="PartialScoring">The context differs per choice and the continuation is shared (winogrande).</param>
public sealed record MultipleChoiceScoring(bool ReportsAccNorm, bool PartialScoring);

/// <summary>Greedy decoding settings of a generative task.</summary>
/// <param name="StopSequences">Generation is cut at the earliest occurrence of any of these.</param>
/// <param name="NoRepeatNgramSize">0 = off; 2 bans a token that would repeat a bigram (Hugging Face semantics).</param>
/// <param name="Metric"><c>exact_match</c> (scored by <see cref="ITaskDefinition.Score"/>) or <c>rouge1</c>
/// (scored by the ROUGE library against <see cref="GenerationScore.Reference"/>).</param>
public sealed record GenerationSpec(IReadOnlyList<string> StopSequences, int MaxNewTokens, int NoRepeatNgramSize, string Metric)
{
    /// <summary>The generation up to (not including) the earliest stop sequence, as lm-eval's <c>until</c> cuts it.</summary>
    public string CutAtStop(string generation)
    {
        var end = generation.Length;
        foreach (var stop in StopSequences)
        {
            if (stop.Length == 0) continue;
            var at = generation.IndexOf(stop, StringComparison.Ordinal);
            if (at >= 0 && at < end) end = at;
        }
        return generation[..end];
    }
}

/// <summary>
/// The scored outcome of one generation.
/// </summary>
/// <param name="Prediction">What is compared (gsm8k: the extracted answer or <c>[invalid]</c>; samsum: the
/// generation cut at the stops).</param>
/// <param name="Reference">What it is compared with (gsm8k: the gold number; samsum: the reference summary).</param>
/// <param name="Score">The metric value in [0, 1] for exact match; null when the metric is computed elsewhere
/// (rouge1: by the metrics library).</param>
/// <param name="Correct">Exact-match tasks: whether the prediction counts as right; null for rouge1.</param>
public sealed record GenerationScore(string Prediction, string Reference, double? Score, bool? Correct);

/// <summary>The choices picked by the two lm-eval multiple-choice rules.</summary>
public sealed record MultipleChoicePrediction(int Acc, int AccNorm);
