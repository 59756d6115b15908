using Muscle.Compatibility;

namespace Muscle.Reports;

/// <summary>
/// One report page's header, shared by its HTML, Markdown and JSON: the comparison, what it is about, the title, the
/// subtitle with every known detail, and the verdict (bootstrapped with the run's seed, 0 when it has none).
/// </summary>
public sealed record ReportPage(ComparisonResult Result, ReportContext Context)
{
    public CompatibilityVerdict Verdict { get; } = CompatibilityVerdict.From(Result, Context.Seed ?? 0);

    /// <summary>"task: old → new, strategy s" from the context; the prediction files' names when the context is empty.</summary>
    public string Title
    {
        get
        {
            var c = Context;
            var files = Result.Predictions;
            if (c.Task is null && c.OldModel is null && c.NewModel is null)
                return $"{Path.GetFileName(files.OldSet.File)} → {Path.GetFileName(files.NewSet.File)}"
                       + (files.CompatSet is { } cs ? $", fix {Path.GetFileName(cs.File)}" : "")
                       + (c.Strategy is { } s0 ? $", strategy {s0}" : "");
            var models = $"{c.OldModel ?? "old"} → {c.NewModel ?? "new"}";
            return (c.Task is { } t ? $"{t}: {models}" : models) + (c.Strategy is { } s ? $", strategy {s}" : "");
        }
    }

    /// <summary>Every known detail: task, models, strategy, seed, metric, N and the prediction files.</summary>
    public string Subtitle
    {
        get
        {
            var c = Context;
            var files = Result.Predictions;
            var parts = new List<string>();
            if (c.Task is { } t) parts.Add($"task {t}");
            if (c.OldModel is { } o) parts.Add($"old model {o}");
            if (c.NewModel is { } n) parts.Add($"new model {n}");
            if (c.Strategy is { } s) parts.Add($"strategy {s}");
            if (c.Seed is { } seed) parts.Add($"seed {seed}");
            parts.Add($"metric {Result.Metric.Name()}");
            parts.Add($"N = {Result.N}");
            var names = new List<string> { Path.GetFileName(files.OldSet.File), Path.GetFileName(files.NewSet.File) };
            if (files.CompatSet is { } cs) names.Add(Path.GetFileName(cs.File));
            parts.Add("files " + string.Join(", ", names));
            return string.Join(" · ", parts);
        }
    }
}
