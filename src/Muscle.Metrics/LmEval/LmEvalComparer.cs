using System.Globalization;
using Muscle.Compatibility;
using Muscle.Infrastructure;
using Muscle.Predictions;

namespace Muscle.LmEval;

/// <summary>
/// Compares two lm-eval runs task by task. Items are aligned by <c>doc_id</c> within a task and checked with
/// <c>doc_hash</c> (lm-eval's SHA-256 of the document): a different hash for the same doc_id means the runs did not see
/// the same data, and is an error rather than a flip. The per-sample metric values lm-eval wrote decide right and
/// wrong, so task-specific answer checking (regex filters, several accepted answers) is lm-eval's, not ours.
/// <para>
/// With a third run (the compatibility model, arXiv 2407.09435 Sec. 5.3) every task of the old run must be in it, with
/// the same filter and metric and the same doc_hash per doc_id; each task then adds NFR_c (old → compat), ΔNFR_c and
/// Δ%NFR_c with the paired bootstrap of <see cref="PairedBootstrap.CompatEffect"/>, as the predictions JSONL path does.
/// </para>
/// </summary>
public static class LmEvalComparer
{
    /// <summary>lm-eval metrics that are right/wrong per sample (0/1), in the v0.4.x task configs.</summary>
    private static readonly HashSet<string> DiscreteMetrics = new(StringComparer.Ordinal)
    {
        "acc", "acc_norm", "acc_mutual_info", "exact_match", "em", "exact",
    };

    /// <param name="compat">The compatibility model's run, or null for a plain old → new comparison.</param>
    public static LmEvalComparison Compare(LmEvalRun old, LmEvalRun @new, LmEvalCompareOptions options, LmEvalRun? compat = null)
    {
        ArgumentNullException.ThrowIfNull(old);
        ArgumentNullException.ThrowIfNull(@new);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfNegative(options.Bootstrap);
        // Two single-task samples files pair up whatever their names say (old.jsonl vs new.jsonl, or two timestamps).
        if (old.Tasks.Count == 1 && @new.Tasks.Count == 1 && (File.Exists(old.Path) || File.Exists(@new.Path)))
            @new = @new with { Tasks = [@new.Tasks[0] with { Name = old.Tasks[0].Name }] };
        if (compat is not null && old.Tasks.Count == 1 && compat.Tasks.Count == 1 && (File.Exists(old.Path) || File.Exists(compat.Path)))
            compat = compat with { Tasks = [compat.Tasks[0] with { Name = old.Tasks[0].Name }] };
        var newByName = @new.Tasks.ToDictionary(t => t.Name, StringComparer.Ordinal);
        var oldNames = old.Tasks.Select(t => t.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var t in @new.Tasks.Where(t => !oldNames.Contains(t.Name)))
            throw new MuscleInputException(
                $"task '{t.Name}' is in the new run but not in the old one ({old.Path}: {string.Join(", ", oldNames.Order())})", t.File);
        foreach (var t in old.Tasks.Where(t => !newByName.ContainsKey(t.Name)))
            throw new MuscleInputException(
                $"task '{t.Name}' is in the old run but not in the new one ({@new.Path}: {string.Join(", ", newByName.Keys.Order())})", t.File);
        var compatByName = compat?.Tasks.ToDictionary(t => t.Name, StringComparer.Ordinal);
        if (compat is not null)
        {
            foreach (var t in compat.Tasks.Where(t => !oldNames.Contains(t.Name)))
                throw new MuscleInputException(
                    $"task '{t.Name}' is in the compat run but not in the old one ({old.Path}: {string.Join(", ", oldNames.Order())})",
                    t.File, t.Samples[0].Line);
            foreach (var t in old.Tasks.Where(t => !compatByName!.ContainsKey(t.Name)))
                throw new MuscleInputException(
                    $"task '{t.Name}' is in the old run but not in the compat one ({compat.Path}: {string.Join(", ", compatByName!.Keys.Order())})",
                    t.File, t.Samples[0].Line);
        }

        var notes = new List<string>();
        // --filter names a filter of the multi-filter tasks (gsm8k's flexible-extract); tasks with a single filter
        // keep theirs. It must exist somewhere, and in every task that has several.
        if (options.Filter is { } wanted && !old.Tasks.Any(t => t.Filters.Contains(wanted)))
            throw new MuscleInputException(
                $"--filter '{wanted}' is not in task '{old.Tasks[0].Name}' (its filters: {string.Join(", ", old.Tasks[0].Filters)})",
                old.Tasks[0].File, old.Tasks[0].Samples[0].Line);
        var compared = old.Tasks.Select(t => CompareTask(t, newByName[t.Name], compatByName?[t.Name], options, notes)).ToList();
        return new LmEvalComparison(old.Path, @new.Path, compared, Summarise(compared, options), notes, compat?.Path);
    }

    private static LmEvalTaskComparison CompareTask(
        LmEvalTask old, LmEvalTask @new, LmEvalTask? compat, LmEvalCompareOptions options, List<string> notes)
    {
        var filter = ChooseFilter(old, @new, compat, options.Filter, notes);
        var oldSamples = old.Samples.Where(s => s.Filter == filter).ToList();
        var newSamples = @new.Samples.Where(s => s.Filter == filter).ToList();
        var compatSamples = compat?.Samples.Where(s => s.Filter == filter).ToList();
        var metric = ChooseMetric(old, options.Metric);
        var oldValues = Values(old, oldSamples, metric);
        var newValues = Values(@new, newSamples, metric);
        var compatValues = compat is null ? null : Values(compat, compatSamples!, metric);
        RequireSameDocs(old, oldSamples, @new, newSamples, "new");
        if (compat is not null) RequireSameDocs(old, oldSamples, compat, compatSamples!, "compat");

        var discrete = DiscreteMetrics.Contains(metric) && oldValues.Concat(newValues).Concat(compatValues ?? []).All(v => v is 0 or 1);
        var prediction = ChoosePrediction(old.IsMultipleChoice, metric);
        var oldSet = ToPredictions(old.File, oldSamples, oldValues, discrete, prediction);
        var newSet = ToPredictions(@new.File, newSamples, newValues, discrete, prediction);
        var compatSet = compat is null ? null : ToPredictions(compat.File, compatSamples!, compatValues!, discrete, prediction);
        var result = ComparisonRunner.Compare(PredictionAlignment.Align(oldSet, newSet, compatSet), discrete ? CompareMetric.Accuracy : CompareMetric.Score);
        result = result with
        {
            MetricRule = discrete
                ? $"lm-eval {metric} (filter {filter}): right/wrong as lm-eval scored each sample"
                : $"lm-eval {metric} (filter {filter}): graded per sample, D = S_new − S_old",
        };
        var bootstrap = options.Bootstrap == 0
            ? null
            : PairedBootstrap.Compute(result.ScoresOld, result.ScoresNew, options.Bootstrap, options.Seed, "bootstrap/" + old.Name);
        var compatBootstrap = options.Bootstrap == 0 || result.ScoresCompat is not { } sc
            ? null
            : PairedBootstrap.CompatEffect(result.ScoresOld, result.ScoresNew, sc, options.Bootstrap, options.Seed, "compat-bootstrap/" + old.Name);
        return new LmEvalTaskComparison(old.Name, old.OutputType, filter, metric, result, bootstrap, compatBootstrap);
    }

    private static string ChooseFilter(LmEvalTask old, LmEvalTask @new, LmEvalTask? compat, string? wanted, List<string> notes)
    {
        if (wanted is not null && !old.Filters.Contains(wanted) && old.Filters.Count == 1)
        {
            notes.Add($"task {old.Name}: has only filter '{old.Filters[0]}', not '{wanted}'; comparing '{old.Filters[0]}'");
            wanted = old.Filters[0];
        }
        if (wanted is not null)
        {
            foreach (var t in compat is null ? new[] { old, @new } : [old, @new, compat])
                if (!t.Filters.Contains(wanted))
                    throw new MuscleInputException(
                        $"--filter '{wanted}' is not in task '{t.Name}' (its filters: {string.Join(", ", t.Filters)})", t.File, t.Samples[0].Line);
            return wanted;
        }
        var filter = old.Filters[0];
        if (old.Filters.Count > 1)
            notes.Add($"task {old.Name}: {old.Filters.Count} filters ({string.Join(", ", old.Filters)}); comparing '{filter}', the first; choose one with --filter");
        if (!@new.Filters.Contains(filter))
            throw new MuscleInputException(
                $"filter '{filter}' of the old run is not in task '{@new.Name}' of the new run (its filters: {string.Join(", ", @new.Filters)})",
                @new.File, @new.Samples[0].Line);
        if (compat is not null && !compat.Filters.Contains(filter))
            throw new MuscleInputException(
                $"filter '{filter}' of the old run is not in task '{compat.Name}' of the compat run (its filters: {string.Join(", ", compat.Filters)})",
                compat.File, compat.Samples[0].Line);
        return filter;
    }

    /// <summary>auto → acc (multiple choice) or exact_match (generation); the CLI spellings accuracy and exact-match map to them.</summary>
    private static string ChooseMetric(LmEvalTask task, string? wanted) => wanted switch
    {
        null or "auto" => task.IsMultipleChoice ? "acc" : "exact_match",
        "accuracy" => "acc",
        "exact-match" => "exact_match",
        _ => wanted,
    };

    private static double[] Values(LmEvalTask task, List<LmEvalSample> samples, string metric)
    {
        var values = new double[samples.Count];
        for (var i = 0; i < samples.Count; i++)
        {
            var s = samples[i];
            if (!s.Metrics.TryGetValue(metric, out var v))
                throw new MuscleInputException(
                    $"task '{task.Name}' has no per-sample metric '{metric}' (this line has: {string.Join(", ", s.Metrics.Keys)}); choose one with --metric",
                    task.File, s.Line);
            if (v is not { } x || !double.IsFinite(x))
                throw new MuscleInputException(
                    $"metric '{metric}' of task '{task.Name}' is not a finite number per sample (corpus-level metrics such as bleu store pairs); choose another with --metric",
                    task.File, s.Line);
            values[i] = x;
        }
        return values;
    }

    /// <param name="which">"new" or "compat": the other run's role, for the message.</param>
    private static void RequireSameDocs(LmEvalTask old, List<LmEvalSample> oldSamples, LmEvalTask other, List<LmEvalSample> otherSamples, string which)
    {
        var oldById = oldSamples.ToDictionary(s => s.DocId, StringComparer.Ordinal);
        foreach (var s in otherSamples)
        {
            if (!oldById.TryGetValue(s.DocId, out var o) || o.DocHash is null || s.DocHash is null || o.DocHash == s.DocHash) continue;
            throw new MuscleInputException(
                $"doc_hash of doc_id {s.DocId} in task '{other.Name}'{(which == "new" ? "" : $" of the {which} run")} differs from the old run's ({old.File}:{o.Line}): the runs did not see the same data",
                other.File, s.Line);
        }
    }

    private enum PredictionKind { Argmax, ArgmaxPerChar, Text }

    private static PredictionKind ChoosePrediction(bool multipleChoice, string metric) =>
        !multipleChoice ? PredictionKind.Text : metric == "acc_norm" ? PredictionKind.ArgmaxPerChar : PredictionKind.Argmax;

    private static PredictionSet ToPredictions(string file, List<LmEvalSample> samples, double[] values, bool discrete, PredictionKind kind)
    {
        var records = samples.Select((s, i) => new PredictionRecord(
            s.DocId,
            s.Target,
            Prediction(s, kind),
            Correct: discrete ? values[i] == 1 : null,
            Score: values[i],
            Input: s.Doc,
            Output: s.Response,
            s.Line)).ToList();
        return new PredictionSet(file, records);
    }

    /// <summary>
    /// The answer the model gave, for NFR_mc (new wrong and a different answer): for multiple choice the argmax of the
    /// per-choice log-likelihoods, divided by the choice's length for acc_norm as lm-eval does; else the filtered text.
    /// </summary>
    private static Label Prediction(LmEvalSample s, PredictionKind kind)
    {
        if (kind == PredictionKind.Text || s.ChoiceLogLikelihoods is null) return new Label(s.Response ?? "", IsInteger: false);
        var lls = s.ChoiceLogLikelihoods;
        var best = 0;
        double Score(int i) => kind == PredictionKind.ArgmaxPerChar && s.ChoiceLengths is { } len ? lls[i] / len[i] : lls[i];
        for (var i = 1; i < lls.Count; i++)
            if (Score(i) > Score(best)) best = i;
        return new Label(best.ToString(CultureInfo.InvariantCulture), IsInteger: true);
    }

    private static CrossTaskSummary Summarise(List<LmEvalTaskComparison> tasks, LmEvalCompareOptions options)
    {
        var old = tasks.SelectMany(t => t.Result.ScoresOld).ToArray();
        var @new = tasks.SelectMany(t => t.Result.ScoresNew).ToArray();
        var strata = tasks.SelectMany((t, k) => Enumerable.Repeat(k, t.Result.N)).ToArray();
        var n = old.Length;
        var regressed = old.Where((o, i) => @new[i] < o).Count();
        var improved = old.Where((o, i) => @new[i] > o).Count();
        var bootstrap = options.Bootstrap == 0 ? null : PairedBootstrap.Compute(old, @new, options.Bootstrap, options.Seed, "bootstrap/all-tasks", strata);
        var nfr = (double)regressed / n;
        return new CrossTaskSummary(
            tasks.Count, n, old.Average(), @new.Average(), nfr, (double)improved / n,
            tasks.Average(t => t.Result.Nfr), tasks.Average(t => t.Result.Pfr), tasks.Average(t => t.DeltaScore), bootstrap,
            tasks.All(t => t.Result.HasCompat) ? SummariseCompat(tasks, options, old, @new, strata, nfr) : null);
    }

    /// <summary>The compatibility columns pooled over tasks (each item once) and averaged per task (macro).</summary>
    private static CrossTaskCompat SummariseCompat(
        List<LmEvalTaskComparison> tasks, LmEvalCompareOptions options, double[] old, double[] @new, int[] strata, double nfr)
    {
        var compat = tasks.SelectMany(t => t.Result.ScoresCompat!).ToArray();
        var n = old.Length;
        var nfrC = (double)old.Where((o, i) => compat[i] < o).Count() / n;
        var pfrC = (double)old.Where((o, i) => compat[i] > o).Count() / n;
        var bootstrap = options.Bootstrap == 0
            ? null
            : PairedBootstrap.CompatEffect(old, @new, compat, options.Bootstrap, options.Seed, "compat-bootstrap/all-tasks", strata);
        return new CrossTaskCompat(
            compat.Average(), nfrC, pfrC, nfrC - nfr, CompatibilityDeltas.DeltaPercent(nfr, nfrC), compat.Average() - @new.Average(),
            tasks.Average(t => t.Result.Deltas!.NfrC), tasks.Average(t => t.Result.Deltas!.DeltaNfrC), bootstrap);
    }
}
