using System.Text.Json.Nodes;
using System.Text.Json;
using Muscle.Adapters;
using Muscle.Compatibility;
using Muscle.Distillation;
using Muscle.Events;
using Muscle.Infrastructure;
using Muscle.IO;
using Muscle.Reports;
using Muscle.Tasks;
using Muscle.Training;

namespace Muscle.Recipes;

/// <summary>
/// <c>muscle ablate</c>: every strategy trained from the same v2 task adapter on the same data, evaluated on the same
/// test set, compared against v1 with the compare library (Table 7 columns). Stages are cached like <c>update</c>'s.
/// </summary>
public static class AblationPipeline
{
    /// <summary>The default grid: the paper's Table 7 rows, our baselines and our choice-level extensions.</summary>
    public static readonly IReadOnlyList<string> DefaultArms =
    [
        "vanilla", "muscle", "old-correct", "kl-old", "muscle+ce", "token-ll", "seq-ll", "focal-kl", "focal-lm", "xie-better",
        "muscle-choice", "focal-choice",
    ];

    private const string WithCe = "+ce";

    /// <summary>
    /// Arms from ids; <c>muscle+ce</c> is muscle with λ; the likelihood masks get λ = 0.5 unless one is given. Choice-level
    /// arms are left out for a generative task; none left is an error unless <paramref name="allowNone"/>.
    /// </summary>
    public static IReadOnlyList<AblationArm> Arms(IEnumerable<string> ids, CompatibilityLossOptions baseOptions, bool multipleChoice, bool allowNone = false)
    {
        var arms = new List<AblationArm>();
        foreach (var raw in ids)
        {
            var id = raw.Trim().ToLowerInvariant();
            // "<strategy>+ce" is the strategy mixed with CE (Table 7's "MUSCLE + CE").
            var withCe = id.EndsWith(WithCe, StringComparison.Ordinal);
            var strategy = CompatibilityStrategies.Parse(withCe ? id[..^WithCe.Length] : id);
            // Table 7: the masked strategies are pure KL; "+ce" and the likelihood masks mix with CE (λ = 0.5 unless given).
            var lambda = withCe || strategy.RequiresCeWeight ? baseOptions.CeWeight ?? CompatibilityLossOptions.DefaultMixWeight
                : strategy.IsPureKl ? (double?)null
                : baseOptions.CeWeight;
            var loss = baseOptions with { Strategy = strategy, CeWeight = lambda, WithTokenLoss = baseOptions.WithTokenLoss && strategy.IsChoiceLevel };
            if (loss.Strategy.IsChoiceLevel && !multipleChoice) continue; // not defined for generative tasks
            loss.Validate();
            arms.Add(new AblationArm(id, loss));
        }
        if (arms.Count == 0 && !allowNone) throw new MuscleInputException("no strategy to run");
        return arms;
    }

    /// <summary>
    /// The stages <see cref="RunSelecting"/> goes through: the old and new predictions, then each arm's training and
    /// predictions; with <paramref name="select"/>, first <see cref="StrategySelection.StageCount"/>'s (an arm's training
    /// is then reused by its test stage, which still counts one).
    /// </summary>
    public static int StageCount(IReadOnlyCollection<AblationArm> arms, bool select = false) =>
        (select ? StrategySelection.StageCount(arms.Count) : 0) + 2 + 2 * arms.Count;

    public static IReadOnlyList<AblationRow> Run(UpdateRequest r, IReadOnlyList<string> armIds, IProgress<RunEvent>? progress = null) =>
        RunSelecting(r, armIds, progress).Rows;

    /// <summary>
    /// The ablation; with <see cref="UpdateRequest.Selection"/> set (<c>ablate --select</c>) the arms are first scored on the
    /// validation split and one is chosen by <see cref="StrategySelection.Choose"/>, before any test number is computed.
    /// <paramref name="writeIndex"/>: false when the run directory's index belongs to another job (the demo's update).
    /// </summary>
    public static AblationResult RunSelecting(UpdateRequest r, IReadOnlyList<string> armIds, IProgress<RunEvent>? progress = null, bool writeIndex = true)
    {
        if (r.NewAdapterDir is null) throw new MuscleInputException("ablate needs --new-adapter (the v2 task adapter every arm starts from)");
        var skipped = new List<string>();
        var data = TaskData.Load(r.Task, r.TrainFile, r.TrainLabels, r.ValidFile, r.ValidLabels, r.Training);
        var test = data.Task.Load(r.TestFile, r.TestLabels);
        var arms = Arms(armIds, r.Compatibility, data.Task.Kind == TaskKind.MultipleChoice);
        var cache = SharedCache(r.TeacherCache, arms);
        var transfer = UpdatePipeline.LoadTransfer(r, data);
        AtomicFile.EnsureDirectory(r.OutDir); // after the inputs and arms are checked: a bad one leaves no empty run directory
        var predictions = Path.Combine(r.OutDir, "predictions");
        progress?.Report(new StagePlan(StageCount(arms, select: r.Selection is not null)));
        var keys = ContentHashes.ForRunDirectory(r.OutDir);
        var choice = r.Selection is null ? null : StrategySelection.Run(r, keys, data, r.NewAdapterDir, arms, cache, transfer, skipped, progress);

        UpdatePipeline.Predict(r, keys, data.Task, test, "old", r.OldModelDir, r.OldAdapterDir, skipped, progress);
        UpdatePipeline.Predict(r, keys, data.Task, test, "new", r.NewModelDir, r.NewAdapterDir, skipped, progress);
        var rows = new List<AblationRow>();
        foreach (var arm in arms)
        {
            var adapterDir = TrainArm(r, keys, data, r.NewAdapterDir, arm, cache, transfer, skipped, progress);
            UpdatePipeline.Predict(r, keys, data.Task, test, arm.Name, r.NewModelDir, adapterDir, skipped, progress);
            var comparison = UpdatePipeline.Compare(predictions, arm.Name);
            CompatibilityReport.Write(Path.Combine(r.OutDir, "reports", arm.Name), comparison, UpdatePipeline.ReportContextOf(r, arm.Name));
            rows.Add(Row(arm.Name, comparison));
        }
        var results = new JsonObject
        {
            ["task"] = data.Task.Name,
            ["seed"] = r.Training.Seed,
            ["arms"] = new JsonArray(rows.Select(row => (JsonNode?)new JsonObject
            {
                ["arm"] = row.Arm,
                ["delta_nfr_c"] = row.DeltaNfrC,
                ["delta_pct_nfr_c"] = row.DeltaPctNfrC,
                ["delta_pfr_c"] = row.DeltaPfrC,
                ["delta_acc_c"] = row.DeltaAccC,
                ["compare"] = JsonNode.Parse(ComparisonSummary.ToJson(row.Comparison)),
            }).ToArray()),
        };
        if (choice is not null)
            results["selection"] = new JsonObject { ["chosen"] = choice.Chosen, ["reason"] = choice.Reason, ["file"] = "selection/selection.json" };
        AtomicFile.WriteAllText(Path.Combine(r.OutDir, "results.json"), results.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        if (writeIndex) RunIndex.Write(r.OutDir, $"Strategies on {r.TaskLabel ?? r.Task}", IndexEntries(r, rows, ""));
        return new AblationResult(rows, choice);
    }

    /// <summary>
    /// A cached stage <c>train-ARM</c> training one arm into <c>OUT/arms/ARM</c> from <paramref name="newAdapter"/> (a
    /// killed training resumes; a finished one is reused). <c>update --strategy auto</c> trains its candidates through
    /// here too, so an ablation in the same run directory reuses them. Returns the arm's adapter directory.
    /// </summary>
    internal static string TrainArm(UpdateRequest r, ContentHashes keys, TaskData data, string newAdapter, AblationArm arm, TeacherCacheOptions? cache,
                                    TransferSet? transfer, List<string> skipped, IProgress<RunEvent>? progress)
    {
        var adapterDir = Path.Combine(r.OutDir, "arms", arm.Name);
        var armCache = UsesCache(arm) ? cache : null;
        Stages.Run(r.OutDir, "train-" + arm.Name, adapterDir, UpdatePipeline.CompatInputs(r, keys, new
        {
            old_model = keys.Key(r.OldModelDir), old_adapter = keys.Key(r.OldAdapterDir), new_model = keys.Key(r.NewModelDir),
            new_adapter = keys.Key(newAdapter), data = UpdatePipeline.DataKeys(r, keys), r.Training, arm.Loss,
            strategy = arm.Loss.Strategy.Id, dtype = Models.DTypes.Name(r.DType),
        }, armCache), skipped, resume => CompatibilityTrainer.Train(new UpdatePair(r.OldModelDir, r.OldAdapterDir, r.NewModelDir, newAdapter),
            data, r.Training, arm.Loss, adapterDir, resume, r.DType, progress.In($"train {arm.Name}"),
            device: r.Device, teacherCache: armCache, transfer: transfer), progress);
        return adapterDir;
    }

    /// <summary>The arms' rows on a run index, linking <c>{prefix}reports/ARM/report.html</c>.</summary>
    public static IReadOnlyList<RunIndexEntry> IndexEntries(UpdateRequest r, IEnumerable<AblationRow> rows, string prefix) =>
        rows.Select(row => new RunIndexEntry($"Strategies on {r.TaskLabel ?? r.Task}", $"{prefix}reports/{row.Arm}/report.html",
            UpdatePipeline.ReportContextOf(r, row.Arm), row.Comparison)).ToList();

    /// <summary>focal-lm matches the old model's full logits, which no cache keeps: that arm alone runs exact teachers.</summary>
    private static bool UsesCache(AblationArm arm) => arm.Loss.Strategy.UsesTeacherCache;

    /// <summary>
    /// One <c>--teacher-cache</c> for every arm (the teachers are the same): asked for the union of the arms' parts, it is
    /// built by the first arm and reused by the rest; the token part only if some arm distils per token.
    /// </summary>
    internal static TeacherCacheOptions? SharedCache(TeacherCacheOptions? cache, IReadOnlyList<AblationArm> arms) => cache is null ? null : cache with
    {
        KeepTokens = arms.Where(UsesCache).Any(a => !a.Loss.Strategy.IsChoiceLevel || a.Loss.WithTokenLoss),
        KeepChoices = arms.Any(a => a.Loss.Strategy.IsChoiceLevel),
    };

    /// <summary>Table 7's columns: ΔNFR_c, Δ%NFR_c, ΔPFR_c = PFR_c − PFR, Δacc_c (score for continuous metrics).</summary>
    public static AblationRow Row(string arm, ComparisonResult c) =>
        new(arm, c.Deltas?.DeltaNfrC, c.Deltas?.DeltaPctNfrC, c.DeltaPfrC, c.DeltaScoreC, c.Deltas?.NfrC, c.ScoreCompat, c);
}
