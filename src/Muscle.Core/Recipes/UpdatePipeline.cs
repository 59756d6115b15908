using Muscle.Adapters;
using Muscle.Compatibility;
using Muscle.Distillation;
using Muscle.Evaluation;
using Muscle.Events;
using Muscle.Infrastructure;
using Muscle.IO;
using Muscle.Predictions;
using Muscle.Reports;
using Muscle.Tasks;
using Muscle.Training;

namespace Muscle.Recipes;

/// <summary>
/// "Move my task from base v1 to v2 and prove it": trains the v2 task adapter with v1's recipe (unless given), trains the
/// compatibility adapter, evaluates v1, v2 and the compatibility model on the test set and compares them. Each stage
/// records a fingerprint of its inputs (their content keys and the stage's hyper-parameters, <see cref="Stages"/>); a
/// rerun skips finished stages and resumes a killed training.
/// </summary>
public static class UpdatePipeline
{
    public static UpdateResult Run(UpdateRequest r, IProgress<RunEvent>? progress = null)
    {
        var skipped = new List<string>();
        r.TeacherCache?.Validate(r.Compatibility.Strategy);
        var data = TaskData.Load(r.Task, r.TrainFile, r.TrainLabels, r.ValidFile, r.ValidLabels, r.Training);
        var test = data.Task.Load(r.TestFile, r.TestLabels);
        var transfer = LoadTransfer(r, data);
        // --strategy auto: the candidates that fit the task's kind (checked before any work).
        var arms = r.Selection is null ? null : AblationPipeline.Arms(r.Selection.Candidates ?? StrategySelection.DefaultCandidates(data.Task.Kind),
            r.Compatibility, data.Task.Kind == TaskKind.MultipleChoice);
        AtomicFile.EnsureDirectory(r.OutDir); // after the inputs are read: a bad input leaves no empty run directory
        progress?.Report(new StagePlan(StageCount(trainsNewAdapter: r.NewAdapterDir is null, candidates: arms?.Count)));
        var keys = ContentHashes.ForRunDirectory(r.OutDir); // each input file is hashed once per change, for every stage

        // Stage 1: the v2 task adapter, same LoRA shape as v1's and the same training recipe.
        var newAdapter = r.NewAdapterDir;
        if (newAdapter is null)
        {
            var recipe = RecipeOf(r.OldAdapterDir, r.Training);
            newAdapter = Path.Combine(r.OutDir, "new-task-adapter");
            Stages.Run(r.OutDir, "new-task-adapter", newAdapter, new { new_model = keys.Key(r.NewModelDir), data = DataKeys(r, keys), recipe, dtype = Models.DTypes.Name(r.DType) }, skipped, resume =>
                AdapterTrainer.Train(r.NewModelDir, data, recipe, newAdapter, resume, r.DType, progress.In("train v2 task adapter"), r.Device), progress);
        }

        // Stage 2: the compatibility adapter; under --strategy auto, every candidate, and the one chosen on the validation split.
        string compat;
        StrategyChoice? choice = null;
        var strategy = r.Compatibility.Strategy.Id;
        if (arms is not null)
        {
            choice = StrategySelection.Run(r, keys, data, newAdapter, arms, AblationPipeline.SharedCache(AutoCache(r), arms), transfer, skipped, progress);
            compat = choice.ChosenCandidate.AdapterDir!;
            strategy = choice.Chosen;
        }
        else
        {
            compat = Path.Combine(r.OutDir, "compat-adapter");
            Stages.Run(r.OutDir, "compat-adapter", compat, CompatInputs(r, keys, new
            {
                old_model = keys.Key(r.OldModelDir), old_adapter = keys.Key(r.OldAdapterDir), new_model = keys.Key(r.NewModelDir),
                new_adapter = keys.Key(newAdapter), data = DataKeys(r, keys), r.Training, strategy = r.Compatibility.Strategy.Id, r.Compatibility,
                dtype = Models.DTypes.Name(r.DType),
            }, r.TeacherCache), skipped, resume => CompatibilityTrainer.Train(new UpdatePair(r.OldModelDir, r.OldAdapterDir, r.NewModelDir, newAdapter),
                data, r.Training, r.Compatibility, compat, resume, r.DType, progress.In($"train compatibility adapter ({r.Compatibility.Strategy.Id})"),
                device: r.Device, teacherCache: r.TeacherCache, transfer: transfer), progress);
        }

        // Stage 3: predictions of v1, v2 and the compatibility model on the test set.
        var predictions = Path.Combine(r.OutDir, "predictions");
        // Under auto the chosen arm is evaluated under its own name (the stage an ablation of the same run directory reuses)
        // and copied to compat.jsonl; no other candidate sees the test set here.
        var compatName = choice?.Chosen ?? "compat";
        foreach (var (name, model, adapter) in new[] { ("old", r.OldModelDir, r.OldAdapterDir), ("new", r.NewModelDir, newAdapter), (compatName, r.NewModelDir, compat) })
            Predict(r, keys, data.Task, test, name, model, adapter, skipped, progress);
        if (choice is not null)
        {
            // compat.jsonl now holds the chosen arm's predictions: a later fixed-strategy run here must not take it for its own.
            var fixedMarker = Path.Combine(r.OutDir, "stages", "predict-compat", Stages.DoneFile);
            if (File.Exists(fixedMarker)) File.Delete(fixedMarker);
            AtomicFile.WriteAllBytes(Path.Combine(predictions, "compat.jsonl"), File.ReadAllBytes(Path.Combine(predictions, compatName + ".jsonl")));
        }

        // Stage 4: the comparison (cheap: always recomputed from the prediction files).
        var comparison = Compare(predictions, "compat");
        var report = Path.Combine(r.OutDir, "report");
        var context = ReportContextOf(r, choice is null ? strategy : $"auto: {strategy}");
        CompatibilityReport.Write(report, comparison, context);
        RunIndex.Write(r.OutDir, $"Update run: {context.Task}", [new RunIndexEntry("Update", "report/report.html", context, comparison)]);
        return new UpdateResult(newAdapter, compat, predictions, report, comparison, skipped, choice) { Strategy = strategy };
    }

    /// <summary>
    /// The stages <see cref="Run"/> goes through: the v2 task adapter (unless given), the compatibility adapter, three
    /// predictions; under <c>--strategy auto</c> (<paramref name="candidates"/> given) the compatibility adapter is
    /// <see cref="StrategySelection.StageCount"/>'s stages instead.
    /// </summary>
    public static int StageCount(bool trainsNewAdapter, int? candidates = null) =>
        (trainsNewAdapter ? 1 : 0) + (candidates is { } n ? StrategySelection.StageCount(n) : 1) + 3;

    /// <summary>A cached stage writing <c>predictions/NAME.jsonl</c>: the model (+ adapter) evaluated on the test set.</summary>
    internal static void Predict(UpdateRequest r, ContentHashes keys, ITaskDefinition task, IReadOnlyList<TaskExample> test, string name, string model,
                                 string adapter, List<string> skipped, IProgress<RunEvent>? progress) =>
        Predict(r, keys, task, test, "predictions", "predict-" + name, name, keys.Keys(r.TestFile, r.TestLabels), r.TestFile, model, adapter, skipped, progress);

    /// <summary>
    /// A cached stage writing <c>valid-predictions/NAME.jsonl</c>: the model (+ adapter) evaluated on the validation split
    /// (<c>--valid</c>, or the held-out part of <c>--train</c> that <see cref="TaskData.Load"/> carves with the recipe's seed and
    /// validation fraction). <c>--strategy auto</c> chooses on these, never on the test set.
    /// </summary>
    internal static void PredictValid(UpdateRequest r, ContentHashes keys, ITaskDefinition task, IReadOnlyList<TaskExample> valid, string name, string model,
                                      string adapter, List<string> skipped, IProgress<RunEvent>? progress) =>
        Predict(r, keys, task, valid, ValidPredictionsDir, "predict-valid-" + name, name, new
        {
            data = DataKeys(r, keys), r.Training.Seed, r.Training.ValidFraction,
        }, r.ValidFile ?? r.TrainFile, model, adapter, skipped, progress);

    /// <summary>Where <see cref="PredictValid"/> writes, under the run directory.</summary>
    public const string ValidPredictionsDir = "valid-predictions";

    private static void Predict(UpdateRequest r, ContentHashes keys, ITaskDefinition task, IReadOnlyList<TaskExample> items, string dir, string stage, string name,
                                object itemsKey, string dataFile, string model, string adapter, List<string> skipped, IProgress<RunEvent>? progress)
    {
        var path = Path.Combine(r.OutDir, dir, name + ".jsonl");
        var split = dir == ValidPredictionsDir ? " (validation)" : "";
        Stages.Run(r.OutDir, stage, null, new
        {
            model = keys.Key(model), adapter = keys.Key(adapter), test = itemsKey, r.Evaluation,
            dtype = Models.DTypes.Name(r.DType),
        }, skipped, _ =>
        {
            using var tm = TaskModel.Load(model, adapter, r.DType, r.Device);
            var summary = TaskEvaluator.Evaluate(tm.Model, tm.Tokenizer, task, items, r.Evaluation, progress.In($"evaluate {name}{split}"), dataFile);
            TaskEvaluator.WritePredictions(path, summary);
            return 0;
        }, progress);
    }

    /// <summary>v1 (old.jsonl) and v2 (new.jsonl) against the compatibility model's predictions, by the compare library.</summary>
    internal static ComparisonResult Compare(string predictionsDir, string compatName) =>
        ComparisonRunner.Compare(PredictionAlignment.Align(
            PredictionReader.Read(Path.Combine(predictionsDir, "old.jsonl")),
            PredictionReader.Read(Path.Combine(predictionsDir, "new.jsonl")),
            PredictionReader.Read(Path.Combine(predictionsDir, compatName + ".jsonl"))), CompareMetric.Auto);

    /// <summary>What a report of this request is about: the task, the base models' directory names, the strategy and the seed.</summary>
    public static ReportContext ReportContextOf(UpdateRequest r, string strategy) => new(
        r.TaskLabel ?? r.Task, ReportContext.ModelName(r.OldModelDir), ReportContext.ModelName(r.NewModelDir), strategy, r.Training.Seed);

    /// <summary>v1's recipe for the v2 adapter: v1's LoRA rank, alpha, dropout and targets; the given training options.</summary>
    public static AdapterTrainingOptions RecipeOf(string oldAdapterDir, AdapterTrainingOptions given) =>
        given.WithLora(LoraConfig.Load(oldAdapterDir));

    /// <summary>
    /// A compatibility stage's fingerprint: <paramref name="inputs"/>, plus the teacher cache's k when one is used (a
    /// truncated cache changes the token-level loss) and the transfer file's content key.
    /// </summary>
    internal static object CompatInputs(UpdateRequest r, ContentHashes keys, object inputs, TeacherCacheOptions? cache) =>
        cache is null && r.TransferFile is null ? inputs
            : new { inputs, teacher_cache_k = cache?.K, transfer = r.TransferFile is null ? null : keys.Key(r.TransferFile) };

    /// <summary>The content keys of the training and validation files (and their label files).</summary>
    internal static string[] DataKeys(UpdateRequest r, ContentHashes keys) => keys.Keys(r.TrainFile, r.TrainLabels, r.ValidFile, r.ValidLabels);

    /// <summary>
    /// The one teacher cache every <c>--strategy auto</c> candidate shares: <c>--teacher-cache</c> if given, else
    /// <c>OUT/teacher-cache</c> with the default top-k (<see cref="TeacherCacheOptions.DefaultK"/>).
    /// </summary>
    public static TeacherCacheOptions AutoCache(UpdateRequest r) => r.TeacherCache ?? new TeacherCacheOptions(Path.Combine(r.OutDir, "teacher-cache"));

    internal static TransferSet? LoadTransfer(UpdateRequest r, TaskData data) =>
        r.TransferFile is null ? null : TransferSet.Load(data, r.TransferFile);
}
