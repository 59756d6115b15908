using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Muscle.Compatibility;
using Muscle.Distillation;
using Muscle.Events;
using Muscle.IO;
using Muscle.Reports;
using Muscle.Tasks;
using Muscle.Training;

namespace Muscle.Recipes;

/// <summary>
/// <c>update --strategy auto</c> and <c>ablate --select</c>: train the candidate strategies that fit the task's kind on the
/// training split, score each on the validation split against the old model's validation predictions, and choose by a
/// stated rule (<see cref="Choose"/>). The test set plays no part in the choice. docs/RESULTS.md shows why one fixed
/// strategy is not enough: on the synthetic multiple-choice task <c>focal-choice</c> cut NFR far more than the paper-exact
/// <c>muscle</c>, while on the summary task <c>muscle</c> did the work.
/// </summary>
public static class StrategySelection
{
    /// <summary>
    /// Two points: a candidate may score up to two points below the v2 adapter on the validation split. That is about one
    /// standard error of a paired score difference there: for two models that differ on a fraction q of n items the
    /// difference has SE ≈ √(q/n), ≈ 2 points for q = 15 % of the demo's 300–400 validation items. One point (the first
    /// default) is below that noise and let a 1.5-point validation gap decide (docs/RESULTS.md).
    /// </summary>
    public const double DefaultTolerance = 0.02;

    /// <summary>
    /// The candidates per task kind: the token-level strategies (arXiv 2407.09435 Eq. 1–5; <c>muscle+ce</c> is Table 7's
    /// "MUSCLE + CE"; <c>focal-kl</c> gates by "v1 is right") and, for multiple choice, their choice-level forms. The
    /// plain-CE control <c>vanilla</c> is not a candidate: it is more training, not compatibility.
    /// </summary>
    public static IReadOnlyList<string> DefaultCandidates(TaskKind kind) => kind == TaskKind.MultipleChoice
        ? ["muscle", "focal-kl", "muscle-choice", "focal-choice"]
        : ["muscle", "muscle+ce", "focal-kl"];

    /// <summary>The rule in words, as the output and the report state it.</summary>
    public static string Rule(double tolerance) =>
        $"lowest NFR_c on the validation split among the candidates whose validation score is at least the v2 adapter's minus {Points(tolerance)} point(s); "
        + "ties go to the higher score, then to the earlier candidate; if no candidate is within the tolerance, the highest score";

    public static bool IsEligible(StrategyCandidate c, double scoreNew, double tolerance) => c.ScoreC >= scoreNew - tolerance - 1e-12;

    /// <summary>
    /// The selection rule (<see cref="Rule"/>) on fixed numbers: <paramref name="scoreNew"/> is the v2 task adapter's
    /// validation score, each candidate's NFR_c and score are validation numbers (fractions).
    /// </summary>
    public static StrategyChoice Choose(IReadOnlyList<StrategyCandidate> candidates, double scoreNew, double tolerance)
    {
        if (candidates.Count == 0) throw new ArgumentException("no candidate to choose from", nameof(candidates));
        var eligible = candidates.Where(c => IsEligible(c, scoreNew, tolerance)).ToList();
        if (eligible.Count > 0)
        {
            var best = eligible.OrderBy(c => c.NfrC).ThenByDescending(c => c.ScoreC).First(); // OrderBy is stable: then list order
            var reason = $"{best.Name}: the lowest validation NFR_c ({Pct(best.NfrC)} %) among {eligible.Count} of {candidates.Count} candidates "
                         + $"scoring within {Points(tolerance)} point(s) of the v2 adapter ({Pct(best.ScoreC)} % vs {Pct(scoreNew)} %)";
            return new StrategyChoice(best.Name, true, scoreNew, tolerance, reason, candidates);
        }
        var top = candidates.OrderByDescending(c => c.ScoreC).ThenBy(c => c.NfrC).First();
        return new StrategyChoice(top.Name, false, scoreNew, tolerance,
            $"{top.Name}: no candidate scored within {Points(tolerance)} point(s) of the v2 adapter ({Pct(scoreNew)} %), so the highest validation score "
            + $"({Pct(top.ScoreC)} %, NFR_c {Pct(top.NfrC)} %)", candidates);
    }

    /// <summary>
    /// Trains every candidate (cached stages <c>train-ARM</c> in <c>OUT/arms/ARM</c>: a rerun reuses the finished ones and
    /// resumes a killed one), evaluates v1, v2 and each candidate on the validation split, chooses, and writes
    /// <c>OUT/selection/</c>: <c>selection.json</c>, <c>selection.md</c> and one validation report per candidate.
    /// <paramref name="cache"/> is shared by every candidate (built by the first that needs it).
    /// </summary>
    public static StrategyChoice Run(UpdateRequest r, ContentHashes keys, TaskData data, string newAdapter, IReadOnlyList<AblationArm> arms, TeacherCacheOptions? cache,
                                     TransferSet? transfer, List<string> skipped, IProgress<RunEvent>? progress)
    {
        var options = r.Selection ?? new StrategySelectionOptions();
        var select = progress.In("select strategy");
        UpdatePipeline.PredictValid(r, keys, data.Task, data.Valid, "old", r.OldModelDir, r.OldAdapterDir, skipped, select);
        UpdatePipeline.PredictValid(r, keys, data.Task, data.Valid, "new", r.NewModelDir, newAdapter, skipped, select);
        var validDir = Path.Combine(r.OutDir, UpdatePipeline.ValidPredictionsDir);
        var candidates = new List<StrategyCandidate>();
        foreach (var arm in arms)
        {
            var adapterDir = AblationPipeline.TrainArm(r, keys, data, newAdapter, arm, cache, transfer, skipped, select);
            UpdatePipeline.PredictValid(r, keys, data.Task, data.Valid, arm.Name, r.NewModelDir, adapterDir, skipped, select);
            var comparison = UpdatePipeline.Compare(validDir, arm.Name);
            CompatibilityReport.Write(Path.Combine(r.OutDir, "selection", arm.Name), comparison,
                UpdatePipeline.ReportContextOf(r, $"{arm.Name} (validation split)"));
            candidates.Add(new StrategyCandidate(arm.Name, comparison.Deltas!.NfrC, comparison.ScoreCompat!.Value, adapterDir, comparison));
        }
        var choice = Choose(candidates, candidates[0].Validation!.ScoreNew, options.Tolerance);
        WriteFiles(Path.Combine(r.OutDir, "selection"), choice, r.Training.Seed);
        return choice;
    }

    /// <summary>The stages <see cref="Run"/> goes through: v1's and v2's validation predictions, then each candidate's training and validation predictions.</summary>
    public static int StageCount(int candidates) => 2 + 2 * candidates;

    /// <summary><c>selection.json</c> and <c>selection.md</c>: the rule, the choice and why, every candidate's validation numbers with the paired bootstrap 95 % CIs.</summary>
    public static void WriteFiles(string dir, StrategyChoice choice, long seed)
    {
        Muscle.Infrastructure.AtomicFile.EnsureDirectory(dir);
        var first = choice.Candidates[0].Validation;
        var json = new JsonObject
        {
            ["split"] = "validation",
            ["rule"] = Rule(choice.Tolerance),
            ["tolerance_points"] = 100 * choice.Tolerance,
            ["score_new"] = choice.ScoreNew,
            ["nfr"] = first?.Nfr,
            ["n"] = first?.N,
            ["chosen"] = choice.Chosen,
            ["within_tolerance"] = choice.WithinTolerance,
            ["reason"] = choice.Reason,
            ["candidates"] = new JsonArray(choice.Candidates.Select(c => (JsonNode?)new JsonObject
            {
                ["strategy"] = c.Name,
                ["nfr_c"] = c.NfrC,
                ["score_c"] = c.ScoreC,
                ["eligible"] = choice.IsEligible(c),
                ["compare"] = c.Validation is null ? null : JsonNode.Parse(ComparisonSummary.ToJson(c.Validation)),
            }).ToArray()),
        };
        Muscle.Infrastructure.AtomicFile.WriteAllText(Path.Combine(dir, "selection.json"), json.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));

        var md = new StringBuilder();
        md.AppendLine("# Strategy selection (validation split)").AppendLine();
        md.AppendLine($"Rule: {Rule(choice.Tolerance)}.").AppendLine();
        md.AppendLine($"**Chosen: {choice.Chosen}** — {choice.Reason}.").AppendLine();
        if (first is not null)
            md.AppendLine($"v1 → v2 on the validation split: n = {first.N}, score v1 {Pct(first.ScoreOld)} %, v2 {Pct(first.ScoreNew)} %, NFR {Pct(first.Nfr)} %.").AppendLine();
        md.AppendLine("| strategy | score_c | NFR_c | ΔNFR_c | Δ%NFR_c | Δ%NFR_c 95 % CI | ΔNFR_c 95 % CI (pts) | within tolerance | verdict |");
        md.AppendLine("|---|---|---|---|---|---|---|---|---|");
        foreach (var c in choice.Candidates)
        {
            var v = c.Validation is null ? null : CompatibilityVerdict.From(c.Validation, seed);
            var cb = v?.CompatBootstrap;
            md.AppendLine($"| {c.Name}{(c.Name == choice.Chosen ? " (chosen)" : "")} | {Pct(c.ScoreC)} | {Pct(c.NfrC)} | {Pct(c.Validation?.Deltas?.DeltaNfrC)} | "
                          + $"{Num(c.Validation?.Deltas?.DeltaPctNfrC)} | {(cb?.DeltaPctNfrC is { } p ? ComparisonSummary.SignedInterval(p) : "n/a")} | "
                          + $"{(cb is null ? "n/a" : $"[{Num(100 * cb.DeltaNfrC.Lower)}, {Num(100 * cb.DeltaNfrC.Upper)}]")} | "
                          + $"{(choice.IsEligible(c) ? "yes" : "no")} | {v?.Label ?? "n/a"} |");
        }
        md.AppendLine().AppendLine($"Rates and scores in %; 95 % CI: paired bootstrap over validation items ({PairedBootstrap.DefaultResamples} resamples, seed {seed}). "
                                   + "The test set was not used for the choice; the run's report shows the chosen strategy on the test set only.");
        Muscle.Infrastructure.AtomicFile.WriteAllText(Path.Combine(dir, "selection.md"), md.ToString());
    }

    private static string Pct(double? v) => v is double d ? (100 * d).ToString("F2", CultureInfo.InvariantCulture) : "n/a";
    private static string Num(double? v) => v is double d ? d.ToString("+0.00;-0.00;0.00", CultureInfo.InvariantCulture) : "n/a";
    private static string Points(double tolerance) => (100 * tolerance).ToString("0.##", CultureInfo.InvariantCulture);
}
