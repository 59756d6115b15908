namespace Muscle.LmEval;

/// <summary>
/// The samples of one task of one lm-eval run. <see cref="OutputType"/> is the task config's <c>output_type</c>
/// (<c>multiple_choice</c>, <c>generate_until</c>, <c>loglikelihood</c>, ...) from <c>results_*.json</c>, or inferred
/// from the samples when there is no results file: <c>multiple_choice</c> when every line carries per-choice
/// log-likelihoods, else <c>generate_until</c>. <see cref="Filters"/> lists the filters in the file's order.
/// </summary>
public sealed record LmEvalTask(string Name, string File, string OutputType, IReadOnlyList<string> Filters, IReadOnlyList<LmEvalSample> Samples)
{
    public const string MultipleChoice = "multiple_choice";
    public const string GenerateUntil = "generate_until";

    public bool IsMultipleChoice => OutputType == MultipleChoice;
}
