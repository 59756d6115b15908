using System.Text.Json.Nodes;
using System.Text;
using Muscle.Cli.Infrastructure;
using Muscle.Events;
using Muscle.IO;
using Muscle.Infrastructure;
using Muscle.Models;
using Muscle.Pretraining;
using Muscle.Recipes;
using Muscle.Tests.Training;
using Muscle.Tokenization;
using Muscle.Training;

namespace Muscle.Tests.Pretraining;

/// <summary>A byte-level tokenizer (one token per byte + BOS/EOS 256), a tiny tied Llama config and two corpora of the same little language.</summary>
public sealed class TinyCorpusFixture : IDisposable
{
    public TinyCorpusFixture()
    {
        Root = Directory.CreateTempSubdirectory("muscle-pretrain-").FullName;
        TokenizerDir = Path.Combine(Root, "tok");
        Directory.CreateDirectory(TokenizerDir);
        TinyTaskWorld.WriteByteTokenizer(TokenizerDir);
        Config = Path.Combine(Root, "config.json");
        File.WriteAllText(Config, $$"""
            { "architectures": ["LlamaForCausalLM"], "model_type": "llama", "vocab_size": {{TinyTaskWorld.Vocab}}, "hidden_size": 32,
              "intermediate_size": 64, "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2,
              "max_position_embeddings": 64, "rms_norm_eps": 1e-5, "rope_theta": 10000.0, "tie_word_embeddings": true,
              "bos_token_id": 256, "eos_token_id": 256 }
            """);
        CorpusA = WriteCorpus(Path.Combine(Root, "a.txt"), 300, seed: 1);
        CorpusB = WriteCorpus(Path.Combine(Root, "b.txt"), 300, seed: 2);
        _v1 = new Lazy<PretrainResult>(() => Pretrainer.Run(
            new PretrainSource { CorpusPath = CorpusA, TokenizerDir = TokenizerDir, ConfigPath = Config, ValidCorpusPath = CorpusB },
            V1Options, Path.Combine(Root, "v1"), resume: false));
    }

    private readonly Lazy<PretrainResult> _v1;

    public static readonly PretrainOptions V1Options = new()
    {
        Steps = 50, BatchSize = 8, SeqLen = 32, LearningRate = 1e-2, WarmupSteps = 5, WeightDecay = 0.1, Seed = 3,
        SaveSteps = 25, LogSteps = 10,
    };

    /// <summary>One fresh base trained on corpus A (validated on B), shared by the tests that need a trained model.</summary>
    public PretrainResult V1 => _v1.Value;

    public string Root { get; }
    public string TokenizerDir { get; }
    public string Config { get; }
    public string CorpusA { get; }
    public string CorpusB { get; }

    public string NewDir() => Path.Combine(Root, Guid.NewGuid().ToString("N")[..8]);

    /// <summary>Short documents of a tiny grammar ("ana has 3 figs ."), separated by blank lines.</summary>
    public static string WriteCorpus(string path, int documents, int seed)
    {
        string[] names = ["ana", "bo", "cy", "di"], things = ["figs", "cups", "hats"], verbs = ["has", "sees", "wants"];
        var rng = new Random(seed);
        var sb = new StringBuilder();
        for (var i = 0; i < documents; i++)
        {
            if (i > 0) sb.Append("\n\n");
            var sentences = rng.Next(1, 3);
            for (var s = 0; s < sentences; s++)
                sb.Append(s == 0 ? "" : "\n").Append($"{names[rng.Next(4)]} {verbs[rng.Next(3)]} {rng.Next(1, 10)} {things[rng.Next(3)]} .");
        }
        File.WriteAllText(path, sb.Append('\n').ToString());
        return path;
    }

    public void Dispose() => Directory.Delete(Root, recursive: true);
}

public class PretrainerTests(TinyCorpusFixture f) : IClassFixture<TinyCorpusFixture>
{
    private static readonly PretrainOptions Quick = TinyCorpusFixture.V1Options;

    private PretrainSource Fresh(string? corpus = null) => new() { CorpusPath = corpus ?? f.CorpusA, TokenizerDir = f.TokenizerDir, ConfigPath = f.Config };

    private static readonly double LogV = Math.Log(TinyTaskWorld.Vocab);

    [Fact]
    public void LossFallsAndTheOutputIsALoadableHfModelDirectory()
    {
        var result = f.V1;
        var outDir = result.OutDir;

        Assert.Equal(50, result.Steps);
        Assert.Equal(1, result.LossHistory[0].Step);
        Assert.InRange(result.LossHistory[0].Loss, LogV - 0.3, LogV + 0.3); // random init: about log V
        Assert.True(result.FinalLoss < 2.5, $"loss {result.LossHistory[0].Loss:F3} → {result.FinalLoss:F3}");
        Assert.NotNull(result.ValidationLoss);
        Assert.True(result.ValidationLoss < 2.6, $"validation CE {result.ValidationLoss:F3}");

        foreach (var file in new[] { "config.json", "model.safetensors", "generation_config.json", "tokenizer.json", "tokenizer_config.json", "pretrain_state.json" })
            Assert.True(File.Exists(Path.Combine(outDir, file)), file);
        // Tied embeddings are saved once, as HF does.
        var keys = CheckpointFiles.ReadDirectoryHeaders(outDir).Keys.ToList();
        Assert.Contains("model.embed_tokens.weight", keys);
        Assert.DoesNotContain("lm_head.weight", keys);

        using var model = CausalLMFactory.FromPretrained(outDir);
        var tokenizer = MuscleTokenizer.FromDirectory(outDir);
        Assert.Equal(256, tokenizer.BosId);
        var valid = PretrainCorpus.Load(f.CorpusB, tokenizer, 32);
        Assert.Equal(result.ValidationLoss!.Value, PretrainEvaluation.MeanLoss(model, valid, 8), 4);

        var state = JsonNode.Parse(File.ReadAllText(Path.Combine(outDir, "pretrain_state.json")))!;
        Assert.True(state["complete"]!.GetValue<bool>());
        Assert.Equal(50, state["step"]!.GetValue<long>());
        Assert.Equal("random", state["recipe"]!["init"]!["kind"]!.GetValue<string>());
        Assert.Equal(Quick.LearningRate, state["recipe"]!["options"]!["learning_rate"]!.GetValue<double>());
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void ResumingAfterACrashGivesTheSameModelBitForBit(int threads)
    {
        using var _ = TestThreads.Use(threads);
        var options = Quick with { Steps = 10, SaveSteps = 4, LogSteps = 1 };
        var straight = f.NewDir();
        Pretrainer.Run(Fresh(), options, straight, resume: false);

        var crashed = f.NewDir();
        var crash = new SyncProgress<RunEvent>(p =>
        {
            if (p is StepProgress { Step: 7 }) throw new InvalidOperationException("simulated crash at step 7");
        });
        Assert.Throws<InvalidOperationException>(() => Pretrainer.Run(Fresh(), options, crashed, resume: false, progress: crash));
        Assert.False(File.Exists(Path.Combine(crashed, "model.safetensors")));
        // Without --resume the run refuses to start over the crashed one.
        Assert.Throws<MuscleInputException>(() => Pretrainer.Run(Fresh(), options, crashed, resume: false));

        var steps = new List<long>();
        var result = Pretrainer.Run(Fresh(), options, crashed, resume: true,
            progress: new SyncProgress<RunEvent>(p => { if (p is StepProgress s) steps.Add(s.Step); }));
        Assert.Equal(5, steps[0]); // continued after the step-4 checkpoint, not from scratch
        Assert.Equal(10, result.Steps);
        Assert.Equal(File.ReadAllBytes(Path.Combine(straight, "model.safetensors")),
                     File.ReadAllBytes(Path.Combine(crashed, "model.safetensors")));
        Assert.Equal(File.ReadAllBytes(new TrainingRunLayout(straight).OptimizerFile),
                     File.ReadAllBytes(new TrainingRunLayout(crashed).OptimizerFile));
    }

    [Fact]
    public void ResumeRefusesAChangedRecipe()
    {
        var options = Quick with { Steps = 4, SaveSteps = 2 };
        var outDir = f.NewDir();
        Pretrainer.Run(Fresh(), options, outDir, resume: false);
        var e = Assert.Throws<MuscleInputException>(() => Pretrainer.Run(Fresh(), options with { LearningRate = 1e-3 }, outDir, resume: true));
        Assert.Equal("cannot resume: the recipe differs from the checkpoint's (options.learning_rate: 0.01 in the checkpoint, 0.001 now); start a new --out",
            e.Message);
        Assert.Throws<MuscleInputException>(() => Pretrainer.Run(Fresh(f.CorpusB), options, outDir, resume: true));
    }

    [Fact]
    public void InitFromContinuesWhereTheFirstBaseEnded()
    {
        var first = f.V1;
        var v1 = first.OutDir;
        var v2 = f.NewDir();
        var source = new PretrainSource { CorpusPath = f.CorpusB, TokenizerDir = v1, InitFrom = v1 };
        var second = Pretrainer.Run(source, Quick with { Steps = 3, WarmupSteps = 0 }, v2, resume: false);

        // Step 1's loss is measured before the first update: v1's weights on new text of the same language.
        Assert.True(second.LossHistory[0].Loss < first.FinalLoss + 0.3,
            $"v2 starts at {second.LossHistory[0].Loss:F3}, v1 ended at {first.FinalLoss:F3} (log V = {LogV:F3})");
        var state = JsonNode.Parse(File.ReadAllText(Path.Combine(v2, "pretrain_state.json")))!;
        Assert.Equal("continue", state["recipe"]!["init"]!["kind"]!.GetValue<string>());
        using var model = CausalLMFactory.FromPretrained(v2);
        Assert.Equal(MuscleTokenizer.FromDirectory(v1).VocabularyFingerprint, MuscleTokenizer.FromDirectory(v2).VocabularyFingerprint);
    }

    [Fact]
    public void NonFiniteLossStopsNamingTheStep()
    {
        var e = Assert.Throws<MuscleInputException>(() =>
            Pretrainer.Run(Fresh(), Quick with { Steps = 10, LearningRate = 1e30, WarmupSteps = 0, LogSteps = 1 }, f.NewDir(), resume: false));
        Assert.Matches(@"non-finite training loss at step \d+", e.Message);
    }

    [Fact]
    public void CorpusIsSplitIntoDocumentsEachWithBosAndCutIntoWindows()
    {
        Assert.Equal(["a b\nc", "d", "e"], PretrainCorpus.SplitDocuments("\na b\r\nc\n\n \n\nd\n\ne\n"));

        var path = Path.Combine(f.Root, "abc.txt");
        File.WriteAllText(path, "ab\n\ncd\n");
        var corpus = PretrainCorpus.Load(path, MuscleTokenizer.FromDirectory(f.TokenizerDir), seqLen: 2);
        Assert.Equal(6, corpus.Tokens); // BOS a b BOS c d
        Assert.Equal(2, corpus.WindowCount);
        var w = new long[3];
        corpus.CopyWindow(1, w);
        Assert.Equal([98, 256, 99], w); // window k = tokens [2k, 2k + 2]

        var e0 = PretrainCorpus.EpochOrder(50, 7, 0);
        Assert.Equal(Enumerable.Range(0, 50), e0.Order());
        Assert.Equal(e0, PretrainCorpus.EpochOrder(50, 7, 0));
        Assert.NotEqual(e0, PretrainCorpus.EpochOrder(50, 7, 1));
        Assert.NotEqual(e0, PretrainCorpus.EpochOrder(50, 8, 0));
    }

    [Theory]
    [InlineData("")]
    [InlineData("\n \n\n")]
    public void AnEmptyCorpusIsAnInputErrorNamingTheFile(string text)
    {
        var path = Path.Combine(f.Root, "empty.txt");
        File.WriteAllText(path, text);
        var e = Assert.Throws<MuscleInputException>(() => Pretrainer.Run(Fresh(path), Quick, f.NewDir(), resume: false));
        Assert.Equal(path, e.File);
    }

    /// <summary>
    /// pretrain's --resume says as train-adapter's does: a note when there is no checkpoint, and a refusal naming the
    /// input whose content changed (before, a changed corpus got the generic "recipe differs" line).
    /// </summary>
    [Fact]
    public void TheCliResumeNotesAMissingCheckpointAndRefusesACorpusChangedInPlace()
    {
        var outDir = f.NewDir();
        var corpus = Path.Combine(f.Root, $"resume-{Guid.NewGuid():N}.txt");
        File.Copy(f.CorpusA, corpus);
        string[] args = ["pretrain", "--corpus", corpus, "--tokenizer", f.TokenizerDir, "--config", f.Config, "--out", outDir,
                         "--steps", "3", "--batch-size", "4", "--seq-len", "16", "--warmup", "1", "--resume"];
        var (o, e) = (new StringWriter(), new StringWriter());
        Assert.True(MuscleApp.Run(args, o, e) == 0, e.ToString());
        Assert.StartsWith($"note: --resume: no checkpoint in {outDir}; starting from step 0", e.ToString());

        var text = File.ReadAllBytes(corpus);
        var changed = (byte[])text.Clone();
        changed[Array.IndexOf(changed, (byte)'a')] = (byte)'o';
        Reliability.InPlaceRewrite.Bytes(corpus, changed);
        (o, e) = (new StringWriter(), new StringWriter());
        Assert.Equal(2, MuscleApp.Run(args, o, e));
        Assert.Equal($"error: --resume: --corpus {corpus} differs from the run's start (content changed); start a new --out",
            e.ToString().TrimEnd('\n'));
    }

    [Fact]
    public void TheCliPretrainsAndReportsErrorsInOneLine()
    {
        var outDir = f.NewDir();
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var exit = MuscleApp.Run(["pretrain", "--corpus", f.CorpusA, "--tokenizer", f.TokenizerDir, "--config", f.Config, "--out", outDir,
                                  "--steps", "3", "--batch-size", "4", "--seq-len", "16", "--warmup", "1"], stdout, stderr);
        Assert.True(exit == 0, stderr.ToString());
        Assert.Contains("pretrained 3 steps", stdout.ToString());
        Assert.True(File.Exists(Path.Combine(outDir, "model.safetensors")));

        var empty = Path.Combine(f.Root, "empty-cli.txt");
        File.WriteAllText(empty, "");
        using var err = new StringWriter();
        exit = MuscleApp.Run(["pretrain", "--corpus", empty, "--tokenizer", f.TokenizerDir, "--config", f.Config, "--out", f.NewDir(), "--seq-len", "16"],
                             new StringWriter(), err);
        Assert.Equal(2, exit);
        Assert.StartsWith("error: corpus holds no text", err.ToString());
    }
}
