namespace Muscle.LmEval;

/// <summary>
/// Two lm-eval runs compared task by task, with the summary across tasks and the notes the user should see
/// (e.g. which of several filters was picked). <see cref="CompatPath"/> is the third run (the compatibility model,
/// <c>--compat</c>) when one was compared, else null; then every task's result carries its compat scores.
/// </summary>
public sealed record LmEvalComparison(
    string OldPath,
    string NewPath,
    IReadOnlyList<LmEvalTaskComparison> Tasks,
    CrossTaskSummary Summary,
    IReadOnlyList<string> Notes,
    string? CompatPath = null)
{
    public bool HasCompat => CompatPath is not null;
}
