namespace Muscle.LmEval;

/// <summary>
/// Two lm-eval runs compared task by task, with the summary across tasks and the notes the user should see
/// (e.g. which of several filters was picked).
/// </summary>
public sealed record LmEvalComparison(
    string OldPath,
    string NewPath,
    IReadOnlyList<LmEvalTaskComparison> Tasks,
    CrossTaskSummary Summary,
    IReadOnlyList<string> Notes);
