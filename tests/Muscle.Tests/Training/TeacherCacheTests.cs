using Muscle.Recipes;
using Muscle.Adapters;
using Muscle.Cli.Infrastructure;
using Muscle.Distillation;
using Muscle.IO;
using Muscle.Infrastructure;
using Muscle.Training;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Muscle.Tests.Training;

// Shapes: N counted tokens of a batch, V = 257 (TinyTaskWorld), k cached entries.

/// <summary>
/// --teacher-cache against exact teachers on the tiny update (TinyUpdateFixture): same batch → same KL, masks and
/// label log-probs; a whole train-compat run; stale detection; reuse without loading the old model.
/// </summary>
public class TeacherCacheTests(TinyUpdateFixture fx, ITestOutputHelper log) : IClassFixture<TinyUpdateFixture>
{
    private const double T = 2.0;

    /// <summary>Both task models, the student (a perturbed copy of the new task adapter, so KL to the new teacher is not 0) and the split.</summary>
    private sealed class Setup : IDisposable
    {
        private readonly TinyUpdateFixture _fx;

        public Setup(TinyUpdateFixture fx, LossOn lossOn = LossOn.All)
        {
            _fx = fx;
            Models = new UpdatePair(fx.OldModel, fx.OldAdapter, fx.NewModel, fx.NewAdapter);
            Old = TaskModel.Load(fx.OldModel, fx.OldAdapter);
            New = TaskModel.Load(fx.NewModel, fx.NewAdapter);
            var recipe = TinyUpdateFixture.Recipe with { LossOn = lossOn };
            var data = TaskData.Load("jsonl-mc", fx.Train, null, null, null, recipe);
            Split = new TokenizedSplit(TaskData.Encode(data.Task, data.Train, New.Tokenizer, recipe.MaxSeqLen),
                                       TaskData.Encode(data.Task, data.Valid, New.Tokenizer, recipe.MaxSeqLen), lossOn, 256);
            Student = New.Adapter!.Clone(CompatibilityTrainer.StudentAdapterName);
            manual_seed(11);
            using (no_grad())
                foreach (var p in Student.Parameters()) p.add_(randn_like(p) * 0.2);
            Exact = new ExactTeachers(Old.Model, New.Model, New.Adapter!.Name, Student.Name, T);
        }

        public UpdatePair Models { get; set; }
        public TaskModel Old { get; }
        public TaskModel New { get; }
        public LoraAdapter Student { get; }
        public TokenizedSplit Split { get; }
        public ExactTeachers Exact { get; }
        public int OldLoads { get; private set; }

        public CachedTeachers Open(string dir, int k = TeacherCacheOptions.DefaultK, ScalarType values = ScalarType.Float32,
                                   double temperature = T, int shardTokens = 1 << 16, ChoiceSequences? choices = null, bool tokens = true) =>
            TeacherCache.Open(new TeacherCacheOptions(dir) { K = k, ValueType = values, ShardTokens = shardTokens }, Models, New, Split,
                              TinyUpdateFixture.Recipe.MaxSeqLen, 8, temperature, ScalarType.Float32, loadOld: () =>
                              {
                                  OldLoads++;
                                  return TaskModel.Load(Models.OldModelDir, Models.OldAdapterDir);
                              }, choices: choices, tokens: tokens);

        /// <summary>The choice sequences of the training and validation items, as the trainer encodes them.</summary>
        public ChoiceSequences Choices()
        {
            var data = TaskData.Load("jsonl-mc", _fx.Train, null, null, null, TinyUpdateFixture.Recipe);
            return new ChoiceSequences(ChoiceSequences.Encode(data.Train, New.Tokenizer, TinyUpdateFixture.Recipe.MaxSeqLen),
                                       ChoiceSequences.Encode(data.Valid, New.Tokenizer, TinyUpdateFixture.Recipe.MaxSeqLen));
        }

        /// <summary>[N, V] the student's logits at the batch's counted positions, detached.</summary>
        public Tensor StudentLogits(CausalBatch batch)
        {
            New.Model.SetAdapter(Student.Name);
            using var _ = no_grad();
            return batch.SelectCounted(New.Model.Forward(batch.InputIds, null, batch.AttentionMask)).to_type(ScalarType.Float32);
        }

        public string TempDir(string name) => Path.Combine(_fx.Root, $"{name}-{Guid.NewGuid():N}");

        public void Dispose()
        {
            Student.Dispose();
            Old.Dispose();
            New.Dispose();
        }
    }

    private static readonly CompatibilityLossOptions[] Strategies =
    [
        new() { Strategy = CompatibilityStrategies.Parse("muscle"), Temperature = T },
        new() { Strategy = CompatibilityStrategies.Parse("old-correct"), Temperature = T },
        new() { Strategy = CompatibilityStrategies.Parse("kl-old"), Temperature = T },
        new() { Strategy = CompatibilityStrategies.Parse("token-ll"), Temperature = T, CeWeight = 0.5 },
        new() { Strategy = CompatibilityStrategies.Parse("seq-ll"), Temperature = T, CeWeight = 0.5 },
        new() { Strategy = CompatibilityStrategies.Parse("focal-kl"), Temperature = T },
        new() { Strategy = CompatibilityStrategies.Parse("xie-better"), Temperature = T },
    ];

    private static double Total(Tensor z, CausalBatch batch, ITeacherTokens old, ITeacherTokens @new, CompatibilityLossOptions o) =>
        CompatibilityLoss.Compute(z, batch.CountedLabels(), batch.CountedSequence, batch.Sequences, old, @new, o).Total.item<float>();

    [Theory]
    [InlineData(LossOn.All)]
    [InlineData(LossOn.Answer)]
    public void WithFullSupportCachedTeachersEqualExactOnesOnTheSameBatch(LossOn lossOn)
    {
        using var scope = NewDisposeScope();
        using var s = new Setup(fx, lossOn);
        // Small shards so the batch's items come from several files, in an order unlike the build's.
        using var cached = s.Open(s.TempDir("full"), k: TinyTaskWorld.Vocab, shardTokens: 100);
        Assert.Equal(TeacherCacheStatus.Built, cached.Status);
        Assert.Equal(TinyTaskWorld.Vocab, cached.K);
        foreach (var (training, items) in new[] { (true, new[] { 17, 3, 40, 0, 9, 25 }), (false, new[] { 4, 1, 7 }) })
        {
            using var batch = training ? s.Split.TrainBatch(items, CPU) : ValidBatch(s.Split, items);
            // Alignment: the cached rows of items [i1, i2, ...] are exactly the batch's counted positions, in order.
            Assert.Equal(batch.CountedLabels().data<long>().ToArray(), cached.Labels(training, items).to_type(ScalarType.Int64).data<long>().ToArray());
            var (exactOld, exactNew) = s.Exact.Teachers(batch, items, training, true, true);
            var (cacheOld, cacheNew) = cached.Teachers(batch, items, training, true, true);
            var z = s.StudentLogits(batch);
            var studentT = (z / T).log_softmax(-1);
            foreach (var (e, c) in new[] { (exactOld!, cacheOld!), (exactNew!, cacheNew!) })
            {
                Assert.Null(c.Logits);
                Assert.Equal(e.Argmax.data<long>().ToArray(), c.Argmax.data<long>().ToArray());
                TensorAssert.Close(e.LabelLogProb, c.LabelLogProb, "label log-prob");
                var kl = e.KlToStudent(studentT);
                Assert.True(kl.min().item<float>() > 1e-3); // a real distance, not a trivially equal 0
                TensorAssert.Close(kl, c.KlToStudent(studentT), "KL to the student");
            }
            double worst = 0;
            foreach (var o in Strategies)
            {
                var (exact, fromCache) = (Total(z, batch, exactOld!, exactNew!, o), Total(z, batch, cacheOld!, cacheNew!, o));
                worst = Math.Max(worst, Math.Abs(exact - fromCache));
                Tolerance.Float32.AssertClose(exact, fromCache, $"{o.Strategy}: exact vs cached loss");
            }
            // Gradients too, including through the (empty, clamped) tail bucket.
            var ze = z.detach().requires_grad_(true);
            CompatibilityLoss.Compute(ze, batch.CountedLabels(), batch.CountedSequence, batch.Sequences, exactOld!, exactNew!, Strategies[0]).Total.backward();
            var zc = z.detach().requires_grad_(true);
            CompatibilityLoss.Compute(zc, batch.CountedLabels(), batch.CountedSequence, batch.Sequences, cacheOld!, cacheNew!, Strategies[0]).Total.backward();
            Assert.True(zc.grad!.isfinite().all().item<bool>());
            log.WriteLine($"{(training ? "train" : "valid")}: max |Δ loss| over strategies {worst:E2}, max |Δ grad| {TensorAssert.MaxDiff(ze.grad!, zc.grad!):E2}");
            TensorAssert.Close(ze.grad!, zc.grad!, "gradient");
        }
    }

    private static CausalBatch ValidBatch(TokenizedSplit split, int[] items) =>
        CausalBatch.Build(items.Select(i => split.Valid[i]).ToList(), split.LossOn, split.PadId, CPU);

    /// <summary>
    /// Truncated support and bf16 values against the dense teacher, over the whole training set (muscle loss, T = 2). The
    /// top-k + tail KL never exceeds the dense one (merging outcomes cannot raise a KL), and its error falls with k. The
    /// bounds are the errors measured on this setup plus ~15 % (bf16: 3–6 % measured across fixture builds): the tiny models' distributions at T = 2 are nearly flat
    /// over V = 257 (the old teacher keeps only ~27 % of its mass in its top 64), the worst case for truncation; see the report for a trained LM.
    /// </summary>
    [Fact]
    public void TruncatedAndBf16CachesStayWithinTheMeasuredError()
    {
        using var scope = NewDisposeScope();
        using var s = new Setup(fx);
        var caches = new (string Name, CachedTeachers Cache)[]
        {
            ("k=64", s.Open(s.TempDir("k64"))), ("k=128", s.Open(s.TempDir("k128"), k: 128)),
            ("k=V bf16", s.Open(s.TempDir("bf16"), k: TinyTaskWorld.Vocab, values: ScalarType.BFloat16)),
        };
        var o = Strategies[0];
        double exact = 0, tailMass = 0, tokens = 0;
        var totals = new double[caches.Length];
        foreach (var items in Enumerable.Range(0, s.Split.Train.Count).Chunk(8))
        {
            using var inner = NewDisposeScope();
            using var batch = s.Split.TrainBatch(items, CPU);
            var (eo, en) = s.Exact.Teachers(batch, items, true, true, true);
            var z = s.StudentLogits(batch);
            var studentT = (z / T).log_softmax(-1);
            exact += Total(z, batch, eo!, en!, o);
            for (var c = 0; c < caches.Length; c++)
            {
                var (co, cn) = caches[c].Cache.Teachers(batch, items, true, true, true);
                totals[c] += Total(z, batch, co!, cn!, o);
                if (c < 2) Assert.True((co!.KlToStudent(studentT) - eo!.KlToStudent(studentT)).max().item<float>() <= 1e-6, "coarsened KL above the dense KL");
            }
            // The old teacher's mass outside its top 64 at T = 2.
            var top = (eo!.Logits! / T).log_softmax(-1).topk(64).values.exp().sum(-1);
            tailMass += (1 - top).sum().item<float>();
            tokens += batch.CountedTokens;
        }
        var rel = totals.Select(t => Math.Abs(t - exact) / exact).ToArray();
        log.WriteLine($"muscle loss over the training set: exact {exact:G6}; " +
                      string.Join("; ", caches.Select((c, i) => $"{c.Name} {totals[i]:G6} (rel {rel[i]:E2})")) +
                      $"; old teacher's mean mass outside its top 64 at T=2: {tailMass / tokens:F3}");
        foreach (var (_, cache) in caches) cache.Dispose();
        Assert.True(rel[0] < 0.55, $"k=64 relative error {rel[0]}");
        Assert.True(rel[1] < rel[0] && rel[1] < 0.32, $"k=128 relative error {rel[1]}");
        Assert.True(rel[2] < 0.1, $"bf16 relative error {rel[2]}");
    }

    [Fact]
    public void AStaleCacheIsDetectedAndRebuiltAndACurrentOneReusedWithoutLoadingTheOldModel()
    {
        using var scope = NewDisposeScope();
        using var s = new Setup(fx);
        var adapter = s.TempDir("old-adapter-copy");
        Directory.CreateDirectory(adapter);
        foreach (var f in Directory.GetFiles(fx.OldAdapter)) File.Copy(f, Path.Combine(adapter, Path.GetFileName(f)));
        s.Models = s.Models with { OldAdapterDir = adapter };
        var dir = s.TempDir("stale");

        using (var first = s.Open(dir)) Assert.Equal(TeacherCacheStatus.Built, first.Status);
        Assert.Equal(1, s.OldLoads);
        using (var second = s.Open(dir)) Assert.Equal(TeacherCacheStatus.Reused, second.Status);
        Assert.Equal(1, s.OldLoads); // reuse: the old model is never loaded

        // Same size, different weights: only the content hash can tell.
        File.Copy(Path.Combine(fx.NewAdapter, LoraAdapter.WeightsFileName), Path.Combine(adapter, LoraAdapter.WeightsFileName), overwrite: true);
        using (var third = s.Open(dir))
        {
            Assert.Equal(TeacherCacheStatus.Rebuilt, third.Status);
            Assert.Equal("old_adapter", third.StaleReason);
        }
        Assert.Equal(2, s.OldLoads);
        using (var fourth = s.Open(dir, temperature: 1.0)) Assert.Equal("temperature", fourth.StaleReason);
        using (var fifth = s.Open(dir, temperature: 1.0, k: 8)) Assert.Equal("k", fifth.StaleReason);
        File.Delete(Path.Combine(dir, "valid-00000.safetensors"));
        using (var sixth = s.Open(dir, temperature: 1.0, k: 8)) Assert.Equal("shards", sixth.StaleReason);

        var foreign = s.TempDir("foreign");
        Directory.CreateDirectory(foreign);
        File.WriteAllText(Path.Combine(foreign, "notes.txt"), "mine");
        var e = Assert.Throws<MuscleInputException>(() => s.Open(foreign));
        Assert.Contains("holds no teacher cache", e.Message);
        Assert.True(File.Exists(Path.Combine(foreign, "notes.txt")));
    }

    /// <summary>
    /// A cache of the right size with bad bytes used to pass the size check and fail deep in training (bad offsets: an
    /// InvalidOperationException; bad ids: a native LibTorch error; NaN log-probs: "lower --lr"). It is now checked
    /// when opened and called corrupt, naming the shard; a manifest naming a file outside the cache is refused.
    /// </summary>
    [Fact]
    public void ACorruptCacheOfTheRightSizeIsRefusedWhenOpenedNamingTheShard()
    {
        using var scope = NewDisposeScope();
        using var s = new Setup(fx);
        var built = s.TempDir("intact");
        using (var first = s.Open(built)) Assert.Equal(TeacherCacheStatus.Built, first.Status);

        string Copy()
        {
            var dir = s.TempDir("corrupt");
            Directory.CreateDirectory(dir);
            foreach (var f in Directory.GetFiles(built)) File.Copy(f, Path.Combine(dir, Path.GetFileName(f)));
            return dir;
        }
        void Poke(string shard, string tensor, long byteOffset, byte[] bytes)
        {
            SafetensorsHeader header;
            using (var read = File.OpenRead(shard)) header = SafetensorsHeader.Parse(read, read.Length, shard);
            Assert.True(header.TryGetEntry(tensor, out var entry));
            using var write = new FileStream(shard, FileMode.Open, FileAccess.Write);
            write.Position = header.DataOffset + entry.Begin + byteOffset;
            write.Write(bytes);
        }
        void Refused(string dir, string shard, string what)
        {
            var e = Assert.Throws<MuscleInputException>(() => s.Open(dir));
            Assert.Contains(what, e.Message);
            Assert.Equal(Path.Combine(dir, shard), e.File);
        }

        var bad = Copy();
        Poke(Path.Combine(bad, "train-00000.safetensors"), "offsets", 8, BitConverter.GetBytes(999_999L));
        Refused(bad, "train-00000.safetensors", "teacher cache is corrupt: 'offsets' is not rising");

        bad = Copy();
        Poke(Path.Combine(bad, "train-00000.safetensors"), "old.ids", 0, BitConverter.GetBytes(99_999));
        Refused(bad, "train-00000.safetensors", "teacher cache is corrupt: tensor 'old.ids' holds id 99999 outside the vocabulary");

        bad = Copy();
        Poke(Path.Combine(bad, "valid-00000.safetensors"), "new.logprobs", 4, BitConverter.GetBytes(float.NaN));
        Refused(bad, "valid-00000.safetensors", "teacher cache is corrupt: tensor 'new.logprobs' holds NaN or +inf (first at element 1)");

        bad = Copy();
        var manifest = Path.Combine(bad, "manifest.json");
        File.WriteAllText(manifest, File.ReadAllText(manifest).Replace("\"train-00000.safetensors\"", "\"../outside/x.safetensors\"", StringComparison.Ordinal));
        Refused(bad, "manifest.json", "teacher cache manifest lists \"../outside/x.safetensors\", which is not a file name");
    }

    /// <summary>
    /// The choice part: the cached scores are exact mode's bit for bit; a current cache is reused without loading the old
    /// model; a cache lacking the token part is rebuilt with both parts, after which a choice-only run reuses it.
    /// </summary>
    [Fact]
    public void ChoiceScoresAreCachedExactlyAndReusedWithoutLoadingTheOldModel()
    {
        using var scope = NewDisposeScope();
        using var s = new Setup(fx);
        var choices = s.Choices();
        var exact = TeacherChoiceScores.Compute(s.Old, s.New, choices, 8, s.Split.PadId);
        var dir = s.TempDir("choices");
        using (var built = s.Open(dir, choices: choices, tokens: false))
        {
            Assert.Equal(TeacherCacheStatus.Built, built.Status);
            Assert.False(built.HasTokens);
            Assert.False(File.Exists(Path.Combine(dir, "train-00000.safetensors"))); // no token part was asked for
            AssertSameScores(exact, built.ChoiceScores!);
            using var batch = s.Split.TrainBatch([0], CPU);
            Assert.Throws<InvalidOperationException>(() => built.Teachers(batch, [0], true, true, true));
        }
        Assert.Equal(1, s.OldLoads);
        using (var reused = s.Open(dir, choices: choices, tokens: false))
        {
            Assert.Equal(TeacherCacheStatus.Reused, reused.Status);
            AssertSameScores(exact, reused.ChoiceScores!);
        }
        Assert.Equal(1, s.OldLoads); // reuse: the old model is never loaded
        using (var withTokens = s.Open(dir, choices: choices, tokens: true))
        {
            Assert.Equal("tokens", withTokens.StaleReason);
            Assert.True(withTokens.HasTokens);
            AssertSameScores(exact, withTokens.ChoiceScores!);
        }
        using (var tokenRun = s.Open(dir)) Assert.Equal(TeacherCacheStatus.Reused, tokenRun.Status); // a superset serves a token-level run
        using (var choiceRun = s.Open(dir, choices: choices, tokens: false)) Assert.Equal(TeacherCacheStatus.Reused, choiceRun.Status);
        Assert.Equal(2, s.OldLoads);
        // Other choice sequences (one item's choices swapped): rebuilt.
        var swapped = choices with { Train = [choices.Train[1], choices.Train[0], .. choices.Train.Skip(2)] };
        using (var other = s.Open(dir, choices: swapped, tokens: false)) Assert.Equal("choices", other.StaleReason);
    }

    private static void AssertSameScores(TeacherChoiceScores expected, TeacherChoiceScores actual)
    {
        foreach (var (e, a) in new[] { (expected.OldTrain, actual.OldTrain), (expected.NewTrain, actual.NewTrain),
                                       (expected.OldValid, actual.OldValid), (expected.NewValid, actual.NewValid) })
        {
            Assert.Equal(e.Length, a.Length);
            for (var i = 0; i < e.Length; i++) Assert.Equal(e[i], a[i]); // exact double equality
        }
        // Old and new teachers really differ, so a mix-up of the two would fail.
        Assert.NotEqual(expected.OldTrain[0], expected.NewTrain[0]);
    }

    private static (int Code, string Out, string Err) Cli(string[] args)
    {
        var (o, e) = (new StringWriter(), new StringWriter());
        return (MuscleApp.Run(args, o, e), o.ToString(), e.ToString());
    }

    private static Dictionary<string, float[]> AdapterWeights(string dir)
    {
        using var scope = NewDisposeScope();
        return Safetensors.Load(Path.Combine(dir, LoraAdapter.WeightsFileName))
            .ToDictionary(p => p.Key, p => p.Value.to_type(ScalarType.Float32).data<float>().ToArray());
    }

    /// <summary>
    /// train-compat with --teacher-cache (k = V) gives the exact run's adapter up to float noise (the cache was built
    /// on other batch compositions, so logits differ in the last bits); a second run reuses the cache and is bit-exact.
    /// </summary>
    [Fact]
    public void TrainCompatWithTheCacheMatchesExactModeAndReusesItsCache()
    {
        var exactOut = Path.Combine(fx.Root, "run-exact");
        var (code, _, err) = Cli(fx.Args(exactOut, "--strategy", "muscle"));
        Assert.True(code == 0, err);
        var cacheDir = Path.Combine(fx.Root, "run-cache");
        var cachedOut = Path.Combine(fx.Root, "run-cached");
        string output;
        (code, output, err) = Cli(fx.Args(cachedOut, "--strategy", "muscle", "--teacher-cache", cacheDir, "--teacher-cache-k", "257"));
        Assert.True(code == 0, err);
        Assert.Contains("teacher cache: built", output);
        var againOut = Path.Combine(fx.Root, "run-cached-again");
        (code, output, err) = Cli(fx.Args(againOut, "--strategy", "muscle", "--teacher-cache", cacheDir, "--teacher-cache-k", "257"));
        Assert.True(code == 0, err);
        Assert.Contains("teacher cache: reused", output);

        var (exact, cached, again) = (AdapterWeights(exactOut), AdapterWeights(cachedOut), AdapterWeights(againOut));
        var original = AdapterWeights(fx.NewAdapter);
        double maxDiff = 0, maxMoved = 0;
        foreach (var (name, e) in exact)
        {
            Assert.Equal(cached[name], again[name]); // bit-exact: same cache, same seed
            maxDiff = Math.Max(maxDiff, e.Zip(cached[name], (a, b) => Math.Abs(a - b)).Max());
            maxMoved = Math.Max(maxMoved, e.Zip(original[name], (a, b) => Math.Abs(a - b)).Max());
        }
        log.WriteLine($"max |exact − cached| over adapter weights {maxDiff:E2}; max training update {maxMoved:E2}");
        Assert.True(maxMoved > 1e-3); // training moved the weights: the comparison is not vacuous
        Assert.True(maxDiff < 1e-5, $"adapters differ by {maxDiff}");
    }

    /// <summary>
    /// muscle-choice with --teacher-cache: the choice scores come from the cache unrounded, so the adapter is bit-identical
    /// to exact mode's, built and reused alike (the reuse loads no old model: ChoiceScoresAreCachedExactly… proves it).
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void ChoiceLevelTrainCompatWithTheCacheIsBitIdenticalToExactMode(int threads)
    {
        using var _ = TestThreads.Use(threads);
        const string strategy = "muscle-choice";
        var exactOut = Path.Combine(fx.Root, $"{strategy}-exact-{threads}");
        var (code, _, err) = Cli(fx.Args(exactOut, "--strategy", strategy));
        Assert.True(code == 0, err);
        var cacheDir = Path.Combine(fx.Root, $"{strategy}-cache-{threads}");
        var outputs = new List<string>();
        foreach (var run in new[] { "built", "reused" })
        {
            var outDir = Path.Combine(fx.Root, $"{strategy}-cached-{run}-{threads}");
            (code, var output, err) = Cli(fx.Args(outDir, "--strategy", strategy, "--teacher-cache", cacheDir));
            Assert.True(code == 0, err);
            Assert.Contains($"teacher cache: {run}", output);
            outputs.Add(outDir);
        }
        Assert.False(File.Exists(Path.Combine(cacheDir, "train-00000.safetensors"))); // no token part without --with-token-loss
        var exact = AdapterWeights(exactOut);
        var original = AdapterWeights(fx.NewAdapter);
        Assert.Contains(exact, p => p.Value.Zip(original[p.Key], (a, b) => Math.Abs(a - b)).Max() > 1e-3); // training moved it
        foreach (var outDir in outputs)
        {
            var cached = AdapterWeights(outDir);
            foreach (var (name, e) in exact) Assert.Equal(e, cached[name]); // bit-identical
        }
    }

    [Fact]
    public void FocalLmRefusesTheCacheWithOneLine()
    {
        var (code, _, err) = Cli(fx.Args(Path.Combine(fx.Root, "never-focal"), "--strategy", "focal-lm",
                                         "--teacher-cache", Path.Combine(fx.Root, "never-cache")));
        Assert.Equal(2, code);
        Assert.StartsWith("error: strategy focal-lm needs the old model's full logits", err);
        Assert.Single(err.Trim().Split('\n'));
        Assert.False(Directory.Exists(Path.Combine(fx.Root, "never-cache")));
    }
}
