namespace Muscle.LmEval;

/// <summary>One lm-eval run: its tasks sorted by name, read from a samples file or an output directory.</summary>
public sealed record LmEvalRun(string Path, IReadOnlyList<LmEvalTask> Tasks);
