using System.Text.Json.Nodes;
using Muscle.Distillation;
using Muscle.Evaluation;
using Muscle.Events;
using Muscle.Infrastructure;
using Muscle.IO;
using Muscle.Reports;
using Muscle.Tasks;
using Muscle.Training;
using Muscle.World;
using static TorchSharp.torch;

namespace Muscle.Recipes;

/// <summary>
/// <c>muscle demo</c>: the whole product on an embedded default that needs no download. A synthetic world (corpus +
/// three tasks in the paper's shapes) is generated from a seed; two tiny Llama bases are pretrained on it — v1 on the
/// first 30 % of the corpus, v2 = v1 continued on all of it, as real updates are; then for each task a v1 adapter is
/// trained and <c>muscle update</c> runs (v2 adapter with v1's recipe, the compatibility adapter — by default
/// <c>--strategy auto</c>'s choice on the validation split —, evaluation, comparison), and each task's strategies are
/// compared side by side on the test set. The (adapter seed, task) pairs run in lanes (<see cref="Lanes"/>). Every stage
/// is cached in the output directory, so a rerun (or a run after a kill) continues where it stopped.
/// </summary>
public static class DemoPipeline
{
    /// <summary>
    /// The <c>auto</c> candidates of a task kind: <see cref="StrategySelection.DefaultCandidates"/>; with <c>--quick</c> two
    /// (muscle and the focal form that fits), to keep the smoke test short.
    /// </summary>
    public static IReadOnlyList<string> Candidates(bool quick, Tasks.TaskKind kind) =>
        !quick ? StrategySelection.DefaultCandidates(kind) : kind == Tasks.TaskKind.MultipleChoice ? ["muscle", "focal-choice"] : ["muscle", "focal-kl"];

    /// <summary>A task's strategies table by default: the plain-CE control and the candidates (the candidates alone with <c>--quick</c>).</summary>
    public static IReadOnlyList<string> TableStrategies(bool quick, Tasks.TaskKind kind) =>
        quick ? Candidates(quick, kind) : ["vanilla", .. Candidates(quick, kind)];
    public const long DefaultAdapterSeed = 42;

    /// <summary>The bases: Llama, hidden 128, 2 layers, 4 heads, SwiGLU 344, untied (~0.67M parameters with the world's vocabulary).</summary>
    public static JsonObject BaseConfig(int vocabSize) => new()
    {
        ["architectures"] = new JsonArray("LlamaForCausalLM"),
        ["model_type"] = "llama",
        ["vocab_size"] = vocabSize,
        ["hidden_size"] = 128,
        ["intermediate_size"] = 344,
        ["num_hidden_layers"] = 2,
        ["num_attention_heads"] = 4,
        ["num_key_value_heads"] = 4,
        ["max_position_embeddings"] = 256,
        ["rms_norm_eps"] = 1e-5,
        ["rope_theta"] = 10000.0,
        ["tie_word_embeddings"] = false,
        ["hidden_act"] = "silu",
    };

    /// <summary>
    /// Pretraining recipe of v1 (from scratch on the v1 share of the corpus) and of v2 (v1 continued on all of it). The sentiment
    /// adapters stay at chance until the bases have seen the labelled reviews several times:
    /// 1,500 steps are ~6.8 passes over the v1 share and ~2 over the whole corpus (~100 s per base on the 2-core machine).
    /// The quick recipe is a smoke test of the chain: its bases are too weak for the effect.
    /// </summary>
    public static PretrainOptions PretrainRecipe(bool quick) => quick
        ? new PretrainOptions { Steps = 100, BatchSize = 16, SeqLen = 64, LearningRate = 1e-2, WarmupSteps = 10, WeightDecay = 0.1, Seed = 1, SaveSteps = 50 }
        : new PretrainOptions { Steps = 1500, BatchSize = 16, SeqLen = 128, LearningRate = 3e-3, WarmupSteps = 30, WeightDecay = 0.1, Seed = 1, SaveSteps = 250 };

    /// <summary>
    /// Greedy-generation budget: 40 new tokens (24 with <c>--quick</c>, whose bases are too weak to finish an answer anyway);
    /// the arithmetic task's three-step answers (generator version 3) take up to ~40 tokens, so the full demo gives it 56.
    /// </summary>
    public static int MaxNewTokens(bool quick, string taskName) => quick ? 24 : taskName == "arithmetic" ? 56 : 40;

    /// <summary>
    /// The task-adapter recipe shared by v1, v2 and the compatibility adapter (tiny bases: answer-only CE). The multiple-choice
    /// and arithmetic adapters train to convergence (8 epochs): at 3 epochs the v2 adapter was still learning (arithmetic
    /// validation loss 0.16 → 0.10 → 0.09 over its 3 epochs), and plain continued CE (<c>vanilla</c>) then gained 12
    /// (multiple choice) and 15 (arithmetic) points, so every strategy looked better than it was. The dialogue adapters keep 3.
    /// </summary>
    public static AdapterTrainingOptions AdapterRecipe(bool quick, string taskFormat, long seed) => new()
    {
        Rank = 8, Alpha = 16, Dropout = 0, LearningRate = 2e-3, Epochs = quick ? 1 : taskFormat is "jsonl-mc" or "gsm8k" ? 8 : 3, BatchSize = 16, GradAccum = 1,
        MaxSeqLen = 128, WarmupSteps = 10, WeightDecay = 0, Seed = seed, LossOn = LossOn.Answer, SaveSteps = 100, LogSteps = 10,
    };

    /// <summary>
    /// The stages <see cref="Run"/> goes through: the world, two bases, then per adapter seed and task the v1 adapter, an
    /// update (under <c>auto</c> with its candidates) and the task's strategies table.
    /// </summary>
    public static int StageCount(DemoOptions o, IReadOnlyList<Tasks.TaskKind> taskKinds)
    {
        var perSeed = 0;
        foreach (var kind in taskKinds)
        {
            var mc = kind == Tasks.TaskKind.MultipleChoice;
            var candidates = o.Strategy is null ? AblationPipeline.Arms(Candidates(o.Quick, kind), new CompatibilityLossOptions(), mc).Count : (int?)null;
            var table = AblationPipeline.Arms(o.Strategies ?? TableStrategies(o.Quick, kind), new CompatibilityLossOptions(), mc, allowNone: true);
            perSeed += 1 + UpdatePipeline.StageCount(trainsNewAdapter: true, candidates) + (table.Count == 0 ? 0 : AblationPipeline.StageCount(table));
        }
        return 3 + o.AdapterSeeds.Count * perSeed;
    }

    public static DemoResult Run(DemoOptions o, IProgress<RunEvent>? progress = null)
    {
        if (o.AdapterSeeds.Count == 0) throw new MuscleInputException("no adapter seed given");
        if (o.Tasks?.FirstOrDefault(t => !WorldFiles.TaskNames.Contains(t)) is { } unknown)
            throw new MuscleInputException($"no such task in the world: {unknown} (it has {string.Join(", ", WorldFiles.TaskNames)})");
        // Strategy names are checked before any work (an unknown one is an input error, not a failure after pretraining).
        var fixedStrategy = o.Strategy is null ? null : CompatibilityStrategies.Parse(o.Strategy);
        if (o.Strategies is { } given) AblationPipeline.Arms(given, new CompatibilityLossOptions(), multipleChoice: true, allowNone: true);
        new StrategySelectionOptions { Tolerance = o.SelectTolerance }.Validate();
        var skipped = new List<string>();
        var root = Path.GetFullPath(o.OutDir);
        AtomicFile.EnsureDirectory(root);
        var worldOptions = (o.Quick ? WorldOptions.Quick : WorldOptions.Default) with { Seed = o.WorldSeed };
        var worldDir = Path.Combine(root, "world");
        // Regenerated every run (under a second, byte-identical): later stages fingerprint its files' contents.
        progress?.Report(new StageStarted("generate world"));
        var world = SyntheticWorld.Generate(worldOptions, worldDir);
        var keys = ContentHashes.ForRunDirectory(root);
        var tasks = world.Tasks.Where(t => o.Tasks is null || o.Tasks.Contains(t.Name)).ToList();

        progress?.Report(new StagePlan(StageCount(o, [.. tasks.Select(t => TaskRegistry.Get(t.TaskFormat).Kind)])));

        var configPath = Path.Combine(root, "bases", "config.json");
        AtomicFile.WriteAllText(configPath, BaseConfig(world.VocabSize).ToJsonString(new() { WriteIndented = true }));
        var recipe = PretrainRecipe(o.Quick);
        var v1 = Path.Combine(root, "bases", "v1");
        var v2 = Path.Combine(root, "bases", "v2");
        Stages.Run(root, "base-v1", v1, new { recipe, world = keys.Keys(world.CorpusV1, configPath, world.TokenizerDirectory), dtype = Models.DTypes.Name(o.DType) }, skipped, resume =>
            Pretrainer.Run(new PretrainSource { CorpusPath = world.CorpusV1, TokenizerDir = world.TokenizerDirectory, ConfigPath = configPath },
                recipe, v1, resume, o.DType, progress.In("pretrain base v1"), o.Device), progress);
        Stages.Run(root, "base-v2", v2, new { recipe, world = keys.Keys(world.Corpus, world.TokenizerDirectory), v1 = keys.Key(v1), dtype = Models.DTypes.Name(o.DType) },
            skipped, resume => Pretrainer.Run(new PretrainSource { CorpusPath = world.Corpus, TokenizerDir = world.TokenizerDirectory, InitFrom = v1 },
                recipe, v2, resume, o.DType, progress.In("pretrain base v2 (v1 continued)"), o.Device), progress);

        // Every (adapter seed, task) pair is independent of the others once the bases exist: they run in lanes.
        var work = o.AdapterSeeds.SelectMany(seed => tasks.Select(task => (Seed: seed, Task: task))).ToList();
        var lanes = Lanes(o, work.Count, [.. tasks.Select(t => AdapterRecipe(o.Quick, t.TaskFormat, o.AdapterSeeds[0]))]);
        var shared = lanes > 1 && progress is not null ? new SerialProgress(progress) : progress;
        var runs = new DemoTaskRun[work.Count];
        WorkLanes.Run(work.Count, lanes, i =>
        {
            var seedProgress = o.AdapterSeeds.Count > 1 ? shared.In($"seed {work[i].Seed}") : shared;
            runs[i] = RunTask(o, world, keys, v1, v2, fixedStrategy, work[i].Seed, work[i].Task, seedProgress);
        });
        var seeds = o.AdapterSeeds.Select((seed, k) => new DemoSeedResult(seed, [.. runs.Skip(k * tasks.Count).Take(tasks.Count).Select(r => r.Row)])).ToList();
        var index = runs.SelectMany(r => r.Index).ToList();
        skipped.AddRange(runs.SelectMany(r => r.Skipped));
        RunIndex.Write(root, "muscle demo", index, $"Synthetic world seed {o.WorldSeed}; adapter seeds {string.Join(", ", o.AdapterSeeds)}"
                                                  + (o.Quick ? "; quick recipe (too weak for the effect)" : "") + ".");
        return new DemoResult(seeds, root, skipped);
    }

    /// <summary>
    /// How many (seed, task) pairs run at once: on the CPU, one per intra-op thread (the demo's tiny adapters gain
    /// little from a second thread, see <see cref="WorkLanes"/>), up to the number of pairs; one on an accelerator, or when
    /// a recipe draws from torch's global random generator (LoRA dropout), whose draws must not interleave.
    /// </summary>
    public static int Lanes(DemoOptions o, int pairs, IReadOnlyList<AdapterTrainingOptions> recipes)
    {
        if (o.Device is { } device && device.type != TorchSharp.DeviceType.CPU) return 1;
        if (recipes.Any(r => r.Dropout > 0)) return 1;
        return Math.Clamp(get_num_threads(), 1, Math.Max(1, pairs));
    }

    /// <summary>One task of one adapter seed: the v1 adapter, the update (under <c>auto</c> with its candidates) and the strategies table.</summary>
    private static DemoTaskRun RunTask(DemoOptions o, WorldFiles world, ContentHashes keys, string v1, string v2, CompatibilityStrategy? fixedStrategy,
                                       long seed, WorldTask task, IProgress<RunEvent>? seedProgress)
    {
        var skipped = new List<string>();
        var index = new List<RunIndexEntry>();
        var seedRoot = Path.Combine(Path.GetFullPath(o.OutDir), $"seed-{seed}");
        var adapterRecipe = AdapterRecipe(o.Quick, task.TaskFormat, seed);
        var taskDir = Path.Combine(seedRoot, task.Name);
        var train = Path.Combine(world.Directory, task.TrainFile);
        var test = Path.Combine(world.Directory, task.TestFile);
        var v1Adapter = Path.Combine(taskDir, "v1-adapter");
        var data = TaskData.Load(task.TaskFormat, train, null, null, null, adapterRecipe);
        var kind = data.Task.Kind;
        Stages.Run(seedRoot, $"adapter-v1-{task.Name}", v1Adapter, new { adapterRecipe, v1 = keys.Key(v1), data = keys.Key(train), dtype = Models.DTypes.Name(o.DType) },
            skipped, resume => AdapterTrainer.Train(v1, data, adapterRecipe, v1Adapter, resume, o.DType,
                seedProgress.In(task.Name).In("train v1 adapter"), o.Device), seedProgress);
        var updateDir = Path.Combine(taskDir, "update");
        var request = new UpdateRequest
        {
            OldModelDir = v1, OldAdapterDir = v1Adapter, NewModelDir = v2, Task = task.TaskFormat, TaskLabel = task.Name, TrainFile = train, TestFile = test,
            OutDir = updateDir, Training = adapterRecipe,
            Compatibility = new CompatibilityLossOptions { Strategy = fixedStrategy ?? CompatibilityStrategies.Default, Temperature = 2 },
            Evaluation = new EvaluationOptions { BatchSize = 16, MaxNewTokens = MaxNewTokens(o.Quick, task.Name) }, DType = o.DType, Device = o.Device,
            // auto: one teacher cache for every candidate and every arm of the table (the same one update would make).
            TeacherCache = fixedStrategy is null ? new TeacherCacheOptions(Path.Combine(updateDir, "teacher-cache")) : null,
            Selection = fixedStrategy is null ? new StrategySelectionOptions { Tolerance = o.SelectTolerance, Candidates = Candidates(o.Quick, kind) } : null,
        };
        var result = UpdatePipeline.Run(request, seedProgress.In(task.Name));
        skipped.AddRange(result.SkippedStages.Select(s => $"seed-{seed}/{task.Name}/{s}"));
        var strategy = result.Strategy ?? request.Compatibility.Strategy.Id;
        index.Add(new RunIndexEntry("Tasks: v1 → v2 with " + (fixedStrategy is null ? "the strategy chosen on the validation split" : $"strategy {strategy}"),
            $"seed-{seed}/{task.Name}/update/report/report.html",
            UpdatePipeline.ReportContextOf(request, fixedStrategy is null ? $"auto: {strategy}" : strategy), result.Comparison));

        // The task's strategies table, on the test set, in the update's run directory: the candidates' stages are reused.
        var armIds = AblationPipeline.Arms(o.Strategies ?? TableStrategies(o.Quick, kind), request.Compatibility, kind == Tasks.TaskKind.MultipleChoice, allowNone: true);
        var table = armIds.Count == 0 ? [] : AblationPipeline.RunSelecting(request with { NewAdapterDir = result.NewAdapterDir, Selection = null },
            armIds.Select(a => a.Name).ToList(), seedProgress.In(task.Name).In("strategies"), writeIndex: false).Rows;
        index.AddRange(AblationPipeline.IndexEntries(request, table, $"seed-{seed}/{task.Name}/update/"));
        return new DemoTaskRun(new DemoTaskRow(task.Name, task.TaskFormat, result.Comparison, strategy, result.Selection, table), index, skipped);
    }
}
