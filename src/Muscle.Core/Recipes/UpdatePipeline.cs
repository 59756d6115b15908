using Muscle.Adapters;
using Muscle.Compatibility;
using Muscle.Distillation;
using Muscle.Evaluation;
using Muscle.Events;
using Muscle.Infrastructure;
using Muscle.Predictions;
using Muscle.Reports;
using Muscle.Tasks;
using Muscle.Training;

namespace Muscle.Recipes;

/// <summary>
/// "Move my task from base v1 to v2 and prove it": trains the v2 task adapter with v1's recipe (unless given), trains the
/// compatibility adapter, evaluates v1, v2 and the compatibility model on the test set and compares them. Each stage
/// records a fingerprint of its inputs when it finishes; a rerun skips finished stages and resumes a killed training.
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
        AtomicFile.EnsureDirectory(r.OutDir); // after the inputs are read: a bad input leaves no empty run directory

        // Stage 1: the v2 task adapter, same LoRA shape as v1's and the same training recipe.
        var newAdapter = r.NewAdapterDir;
        if (newAdapter is null)
        {
            var recipe = RecipeOf(r.OldAdapterDir, r.Training);
            newAdapter = Path.Combine(r.OutDir, "new-task-adapter");
            Stages.Run(r.OutDir, "new-task-adapter", newAdapter, Stages.WithDType(new { r.NewModelDir, data = Stages.Fingerprint(r.TrainFile, r.TrainLabels, r.ValidFile, r.ValidLabels), recipe }, r.DType), skipped, resume =>
                AdapterTrainer.Train(r.NewModelDir, data, recipe, newAdapter, resume, r.DType, progress.In("train v2 task adapter"), r.Device), progress);
        }

        // Stage 2: the compatibility adapter; under --strategy auto, every candidate, and the one chosen on the validation split.
        string compat;
        StrategyChoice? choice = null;
        var strategy = r.Compatibility.Strategy.Id;
        if (r.Selection is not null)
        {
            var arms = AblationPipeline.Arms(r.Selection.Candidates ?? StrategySelection.DefaultCandidates(data.Task.Kind), r.Compatibility,
                data.Task.Kind == TaskKind.MultipleChoice);
            choice = StrategySelection.Run(r, data, newAdapter, arms, AblationPipeline.SharedCache(AutoCache(r), arms), transfer, skipped, progress);
            compat = choice.ChosenCandidate.AdapterDir!;
            strategy = choice.Chosen;
        }
        else
        {
            compat = Path.Combine(r.OutDir, "compat-adapter");
            Stages.Run(r.OutDir, "compat-adapter", compat, Stages.WithDType(CompatInputs(r, new
            {
                r.OldModelDir, old = Stages.Fingerprint(Path.Combine(r.OldAdapterDir, LoraAdapter.WeightsFileName)), r.NewModelDir,
                neu = Stages.Fingerprint(Path.Combine(newAdapter, LoraAdapter.WeightsFileName)), data = Stages.Fingerprint(r.TrainFile, r.TrainLabels, r.ValidFile, r.ValidLabels),
                r.Training, strategy = r.Compatibility.Strategy.Id, r.Compatibility,
            }, r.TeacherCache), r.DType), skipped, resume => CompatibilityTrainer.Train(new UpdatePair(r.OldModelDir, r.OldAdapterDir, r.NewModelDir, newAdapter),
                data, r.Training, r.Compatibility, compat, resume, r.DType, progress.In($"train compatibility adapter ({r.Compatibility.Strategy.Id})"),
                device: r.Device, teacherCache: r.TeacherCache, transfer: transfer), progress);
        }

        // Stage 3: predictions of v1, v2 and the compatibility model on the test set.
        var predictions = Path.Combine(r.OutDir, "predictions");
        // Under auto the chosen arm is evaluated under its own name (the stage an ablation of the same run directory reuses)
        // and copied to compat.jsonl; no other candidate sees the test set here.
        var compatName = choice?.Chosen ?? "compat";
        foreach (var (name, model, adapter) in new[] { ("old", r.OldModelDir, r.OldAdapterDir), ("new", r.NewModelDir, newAdapter), (compatName, r.NewModelDir, compat) })
            Predict(r, data.Task, test, name, model, adapter, skipped, progress);
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

    /// <summary>A cached stage writing <c>predictions/NAME.jsonl</c>: the model (+ adapter) evaluated on the test set.</summary>
    internal static void Predict(UpdateRequest r, ITaskDefinition task, IReadOnlyList<TaskExample> test, string name, string model,
                                 string adapter, List<string> skipped, IProgress<RunEvent>? progress) =>
        Predict(r, task, test, "predictions", "predict-" + name, name, Stages.Fingerprint(r.TestFile, r.TestLabels), r.TestFile, model, adapter, skipped, progress);

    /// <summary>
    /// A cached stage writing <c>valid-predictions/NAME.jsonl</c>: the model (+ adapter) evaluated on the validation split
    /// (<c>--valid</c>, or the held-out part of <c>--train</c> that <see cref="TaskData.Load"/> carves with the recipe's seed and
    /// validation fraction). <c>--strategy auto</c> chooses on these, never on the test set.
    /// </summary>
    internal static void PredictValid(UpdateRequest r, ITaskDefinition task, IReadOnlyList<TaskExample> valid, string name, string model,
                                      string adapter, List<string> skipped, IProgress<RunEvent>? progress) =>
        Predict(r, task, valid, ValidPredictionsDir, "predict-valid-" + name, name, new
        {
            data = Stages.Fingerprint(r.TrainFile, r.TrainLabels, r.ValidFile, r.ValidLabels), r.Training.Seed, r.Training.ValidFraction,
        }, r.ValidFile ?? r.TrainFile, model, adapter, skipped, progress);

    /// <summary>Where <see cref="PredictValid"/> writes, under the run directory.</summary>
    public const string ValidPredictionsDir = "valid-predictions";

    private static void Predict(UpdateRequest r, ITaskDefinition task, IReadOnlyList<TaskExample> items, string dir, string stage, string name,
                                object itemsFingerprint, string dataFile, string model, string adapter, List<string> skipped, IProgress<RunEvent>? progress)
    {
        var path = Path.Combine(r.OutDir, dir, name + ".jsonl");
        var split = dir == ValidPredictionsDir ? " (validation)" : "";
        Stages.Run(r.OutDir, stage, null, Stages.WithDType(new
        {
            model, adapter = Stages.Fingerprint(Path.Combine(adapter, LoraAdapter.WeightsFileName)),
            test = itemsFingerprint, r.Evaluation,
        }, r.DType), skipped, _ =>
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
    /// truncated cache changes the token-level loss) and the transfer file. Without either option the fingerprint is
    /// the one earlier runs wrote.
    /// </summary>
    internal static object CompatInputs(UpdateRequest r, object inputs, TeacherCacheOptions? cache) =>
        cache is null && r.TransferFile is null ? inputs
            : new { inputs, teacher_cache_k = cache?.K, transfer = r.TransferFile is null ? null : Stages.Fingerprint(r.TransferFile) };

    /// <summary>
    /// The one teacher cache every <c>--strategy auto</c> candidate shares: <c>--teacher-cache</c> if given, else
    /// <c>OUT/teacher-cache</c> with the default top-k (<see cref="TeacherCacheOptions.DefaultK"/>).
    /// </summary>
    public static TeacherCacheOptions AutoCache(UpdateRequest r) => r.TeacherCache ?? new TeacherCacheOptions(Path.Combine(r.OutDir, "teacher-cache"));

    internal static TransferSet? LoadTransfer(UpdateRequest r, TaskData data) =>
        r.TransferFile is null ? null : TransferSet.Load(data, r.TransferFile);
}
