using System.Globalization;
using Muscle.Distillation;
using Muscle.Events;

namespace Muscle.Cli.Infrastructure;

/// <summary>
/// How the CLI shows a <see cref="RunEvent"/>: where it puts the bar (units done of total) and its status text, prefixed
/// by the stage it came from (<c>sentiment: train v2 task adapter epoch 1/3 loss 0.6931 812 tok/s eta 00:00:41</c>).
/// Numbers are formatted with the invariant culture, so logs read the same on every machine.
/// </summary>
public static class RunEventText
{
    /// <summary>The bar's position and the status line; null for events that move nothing (a finished stage).</summary>
    public static (long Done, long Total, string Status)? Describe(RunEvent e) => e switch
    {
        StepProgress s => (s.Step, s.TotalSteps, WithStage(e, Text(s))),
        ValidationDone v => (v.Step, v.TotalSteps, WithStage(e, Text(v))),
        EvaluationProgress p => (p.Done, p.Total, WithStage(e, "")),
        TeacherCacheBuilding b => (b.Done, b.Total, WithStage(e, Text(b))),
        TeacherCacheRebuilding r => (0, 1, WithStage(e, Text(r))),
        TeacherCacheReady r => (1, 1, WithStage(e, Text(r))),
        TrainingResumed r => (r.Step, r.TotalSteps, WithStage(e, Text(r))),
        StageStarted s => (0, 1, string.Join(": ", [.. e.Stage, s.Name])),
        _ => null,
    };

    public static string Text(StepProgress s) => string.Create(CultureInfo.InvariantCulture,
        $"epoch {s.Epoch}/{s.Epochs} loss {s.Loss:F4} {s.TokensPerSecond:F0} tok/s eta {s.Eta:hh\\:mm\\:ss}");

    public static string Text(TrainingResumed r) => $"resuming from step {r.Step} of {r.TotalSteps} ({r.CheckpointDir})";

    public static string Text(ValidationDone v) => string.Create(CultureInfo.InvariantCulture,
        $"epoch {v.Epoch}/{v.Epochs} valid {v.ValidationLoss:F4}");

    public static string Text(TeacherCacheBuilding b) => b.Part == TeacherCachePart.Choices
        ? "teacher cache: scoring the choices"
        : $"teacher cache: building ({b.Done}/{b.Total} batches)";

    public static string Text(TeacherCacheRebuilding r) => $"teacher cache: stale ({r.Reason} changed), rebuilding {r.Dir}";

    public static string Text(TeacherCacheReady r) => r.Status switch
    {
        TeacherCacheStatus.Reused => $"teacher cache: reused {r.Dir} (no teacher forward)",
        TeacherCacheStatus.Rebuilt => $"teacher cache: rebuilt {r.Dir} ({r.Detail})",
        _ => $"teacher cache: built {r.Dir} ({r.Detail})",
    };

    private static string WithStage(RunEvent e, string status)
    {
        var stage = string.Join(": ", e.Stage);
        return stage.Length == 0 ? status : status.Length == 0 ? stage : $"{stage} {status}";
    }
}
