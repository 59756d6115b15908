using System.Text.Json;
using Muscle.Cli.Infrastructure;
using Muscle.Models;
using static TorchSharp.torch;

namespace Muscle.Tests.Generation;

/// <summary>
/// The real-checkpoint oracle: Karpathy's stories260K imported from llama2.c format must reproduce run.c's greedy
/// output (ids and text) and its first-position logits. Converted once per test class.
/// </summary>
public sealed class Stories260KFixture : IDisposable
{
    public string? ModelDir { get; }
    public JsonElement Expected { get; }

    public Stories260KFixture()
    {
        if (SharedData.Root is null || !File.Exists(SharedData.Path("models", "stories260K", "stories260K.bin"))) return;
        var root = Directory.CreateTempSubdirectory("muscle-stories260K-").FullName;
        ModelDir = Path.Combine(root, "hf");
        var (err, code) = (new StringWriter(), 0);
        code = MuscleApp.Run(
            ["convert", "llama2c", "--checkpoint", SharedData.Path("models", "stories260K", "stories260K.bin"),
             "--tokenizer", SharedData.Path("models", "stories260K", "tok512.model"), "--out", ModelDir],
            new StringWriter(), err);
        if (code != 0) throw new InvalidOperationException("convert failed: " + err);
        Expected = JsonDocument.Parse(File.ReadAllText(SharedData.Path("models", "stories260K", "expected_greedy.json"))).RootElement.Clone();
    }

    public int[] ExpectedIds(string key) => Expected.GetProperty(key).EnumerateArray().Select(e => e.GetInt32()).ToArray();

    public void Dispose()
    {
        if (ModelDir is not null) Directory.Delete(Path.GetDirectoryName(ModelDir)!, recursive: true);
    }
}

public class Stories260KOracleTests(Stories260KFixture fx) : IClassFixture<Stories260KFixture>
{
    private const string Bin = "models/stories260K/stories260K.bin";

    private static (int Code, string Out, string Err) Cli(params string[] args)
    {
        var (o, e) = (new StringWriter(), new StringWriter());
        var code = MuscleApp.Run(args, o, e);
        return (code, o.ToString(), e.ToString());
    }

    [SharedDataFact("models", "stories260K", "stories260K.bin")]
    public void ConvertedDirectoryIsHfShaped()
    {
        foreach (var f in new[] { "config.json", "generation_config.json", "model.safetensors", "tokenizer.model", "tokenizer_config.json" })
            Assert.True(File.Exists(Path.Combine(fx.ModelDir!, f)), f + " missing");
    }

    [SharedDataFact("models", "stories260K", "stories260K.bin")]
    public void GreedyIdsMatchRunC()
    {
        var (code, output, err) = Cli("generate", "--model", fx.ModelDir!, "--greedy", "--max-new-tokens", "200", "--ids");
        Assert.True(code == 0, err);
        Assert.Equal(string.Join(' ', fx.ExpectedIds("greedy_ids_200_steps")), output.Trim());
    }

    [SharedDataFact("models", "stories260K", "stories260K.bin")]
    public void GreedyTextMatchesLlama2cTestSuite()
    {
        var (code, output, err) = Cli("generate", "--model", fx.ModelDir!, "--greedy", "--max-new-tokens", "200");
        Assert.True(code == 0, err);
        var expected = fx.Expected.GetProperty("greedy_text_200_steps_llama2c_test_all_expected").GetString()!;
        Assert.Equal(expected, output.TrimEnd('\n'));
    }

    [SharedDataFact("models", "stories260K", "stories260K.bin")]
    public void Top5LogitsAtPositionZeroMatchRunC()
    {
        using var scope = NewDisposeScope();
        using var lm = CausalLMFactory.FromPretrained(fx.ModelDir!);
        using var _ = no_grad();
        var logits = lm.Forward(tensor(new long[] { 1 }, [1, 1]))[0, 0].to_type(ScalarType.Float32);
        var logprobs = logits.log_softmax(0);
        foreach (var e in fx.Expected.GetProperty("pos0_after_BOS_top5").EnumerateArray())
        {
            var id = e.GetProperty("id").GetInt32();
            Tolerance.Float32Reference.AssertClose(e.GetProperty("logit").GetSingle(), logits[id].item<float>(), $"logit of {id}");
            Tolerance.Float32Reference.AssertClose(e.GetProperty("logprob").GetSingle(), logprobs[id].item<float>(), $"log-prob of {id}");
        }
        var top = logits.topk(5).indexes.data<long>().ToArray();
        Assert.Equal(fx.Expected.GetProperty("pos0_after_BOS_top5").EnumerateArray().Select(e => (long)e.GetProperty("id").GetInt32()), top);
    }

    [SharedDataFact("models", "stories260K", "stories260K.bin")]
    public void KvCacheAndNoCacheGenerateTheSameTokens()
    {
        var cached = Cli("generate", "--model", fx.ModelDir!, "--greedy", "--max-new-tokens", "120", "--ids");
        var uncached = Cli("generate", "--model", fx.ModelDir!, "--greedy", "--max-new-tokens", "120", "--ids", "--no-kv-cache");
        Assert.Equal(0, cached.Code);
        Assert.Equal(cached.Out, uncached.Out);
    }

    [SharedDataFact("models", "stories260K", "stories260K.bin")]
    public void Bf16AndFp32AgreeOnGreedyIds()
    {
        var fp32 = Cli("generate", "--model", fx.ModelDir!, "--greedy", "--max-new-tokens", "200", "--ids");
        var bf16 = Cli("generate", "--model", fx.ModelDir!, "--greedy", "--max-new-tokens", "200", "--ids", "--dtype", "bfloat16");
        Assert.True(bf16.Code == 0, bf16.Err);
        Assert.Equal(fp32.Out, bf16.Out);
    }

    [SharedDataFact("models", "stories260K", "stories260K.bin")]
    public void SamplingIsReproducibleFromTheSeed()
    {
        var a = Cli("generate", "--model", fx.ModelDir!, "--max-new-tokens", "40", "--ids", "--temperature", "0.9", "--top-p", "0.9", "--seed", "7");
        var b = Cli("generate", "--model", fx.ModelDir!, "--max-new-tokens", "40", "--ids", "--temperature", "0.9", "--top-p", "0.9", "--seed", "7");
        var c = Cli("generate", "--model", fx.ModelDir!, "--max-new-tokens", "40", "--ids", "--temperature", "0.9", "--top-p", "0.9", "--seed", "8");
        Assert.Equal(0, a.Code);
        Assert.Equal(a.Out, b.Out);
        Assert.NotEqual(a.Out, c.Out);
    }

    [SharedDataFact("models", "stories260K", "stories260K.bin")]
    public void StopSequenceCutsTheText()
    {
        var (code, output, _) = Cli("generate", "--model", fx.ModelDir!, "--greedy", "--max-new-tokens", "200", "--stop", "Lily.");
        Assert.Equal(0, code);
        Assert.Equal("Once upon a time, there was a little girl named ", output.TrimEnd('\n'));
    }

    [SharedDataFact("models", "stories260K", "stories260K.bin")]
    public void NoRepeatBigramsChangesTheOutputAndNeverRepeatsABigram()
    {
        var (code, output, _) = Cli("generate", "--model", fx.ModelDir!, "--greedy", "--max-new-tokens", "100", "--ids", "--no-repeat-ngram-size", "2");
        Assert.Equal(0, code);
        var ids = new List<int> { 1 };
        ids.AddRange(output.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse));
        var bigrams = ids.Zip(ids.Skip(1)).ToList();
        Assert.Equal(bigrams.Count, bigrams.Distinct().Count());
        Assert.NotEqual(string.Join(' ', fx.ExpectedIds("greedy_ids_200_steps").Take(100)), output.Trim());
    }

    [SharedDataFact("models", "stories260K", "stories260K.bin")]
    public void TheConvertedDirectoryTokenizesFromItsTokenizerJson()
    {
        Assert.Contains("tokenizer.json", Muscle.Tokenization.MuscleTokenizer.FromDirectory(fx.ModelDir!).Description);
    }

    [SharedDataFact("models", "stories260K", "stories260K.bin")]
    public void ScoresAreEqualWithTheTokenizerJsonAloneAndWithTheTokenizerModelAlone()
    {
        var root = Directory.CreateTempSubdirectory("muscle-tokfile-").FullName;
        try
        {
            string Copy(string name, string drop)
            {
                var dir = Path.Combine(root, name);
                Directory.CreateDirectory(dir);
                foreach (var f in Directory.GetFiles(fx.ModelDir!).Where(f => Path.GetFileName(f) != drop))
                    File.Copy(f, Path.Combine(dir, Path.GetFileName(f)));
                return dir;
            }
            (string, string)[] pairs =
            [
                ("Once upon a time,", " there was a dog."),
                (" Lily  saw a   big tree ", "and she  smiled.  "),
                ("Tom said:\n  \"Let's go!\"\n", "\tThey ran  home.\n"),
                ("  1234 + 5678 =", "   6913"),
            ];
            (int[][] Ids, Muscle.Evaluation.LoglikelihoodScore[] Scores) Score(string dir)
            {
                using var tm = Muscle.Adapters.TaskModel.Load(dir);
                var requests = pairs.Select(p => Muscle.Tokenization.PairEncoding.Encode(tm.Tokenizer, p.Item1, p.Item2)).ToList();
                var scores = Muscle.Evaluation.LoglikelihoodScorer.Score(tm.Model, requests, 2, tm.Tokenizer.PadId ?? tm.Tokenizer.EosId ?? 0);
                return (requests.Select(r => r.Ids).ToArray(), scores);
            }
            var fromJson = Score(Copy("json-only", "tokenizer.model"));
            var fromModel = Score(Copy("model-only", "tokenizer.json"));
            Assert.Equal(fromModel.Ids, fromJson.Ids);
            Assert.Equal(fromModel.Scores, fromJson.Scores);
            Assert.All(fromJson.Scores, s => Assert.True(double.IsFinite(s.LogLikelihood) && s.LogLikelihood < 0));
        }
        finally { Directory.Delete(root, true); }
    }

    [SharedDataFact("benchmarks", "piqa", "valid.jsonl", AlsoRequires = Bin)]
    public void EvalOnTheFirst100PiqaItemsWritesTheSameHundredLinesTwice()
    {
        var dir = Directory.CreateTempSubdirectory("muscle-eval-").FullName;
        try
        {
            string Run(string name)
            {
                var path = Path.Combine(dir, name);
                var (code, output, err) = Cli("eval", "--model", fx.ModelDir!, "--task", "piqa",
                    "--data", SharedData.Path("benchmarks", "piqa", "valid.jsonl"),
                    "--labels", SharedData.Path("benchmarks", "piqa", "valid-labels.lst"), "--out", path, "--limit", "100");
                Assert.True(code == 0, err);
                Assert.StartsWith("piqa: n = 100, acc = ", output);
                return File.ReadAllText(path);
            }
            var first = Run("a.jsonl");
            Assert.Equal(100, first.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
            Assert.Equal(first, Run("b.jsonl"));
            var line = System.Text.Json.Nodes.JsonNode.Parse(first.Split('\n')[0])!;
            Assert.Equal("0", line["id"]!.GetValue<string>());
            Assert.Equal(2, line["logprobs"]!.AsArray().Count);
        }
        finally { Directory.Delete(dir, true); }
    }

    [SharedDataFact("models", "stories260K", "stories260K.bin")]
    public void TruncatedCheckpointIsOneCleanError()
    {
        var dir = Directory.CreateTempSubdirectory("muscle-bad-").FullName;
        try
        {
            var bad = Path.Combine(dir, "cut.bin");
            var bytes = File.ReadAllBytes(SharedData.Path(Bin.Split('/')));
            File.WriteAllBytes(bad, bytes[..(bytes.Length / 2)]);
            var (code, _, err) = Cli("convert", "llama2c", "--checkpoint", bad, "--tokenizer",
                SharedData.Path("models", "stories260K", "tok512.model"), "--out", Path.Combine(dir, "out"));
            Assert.Equal(2, code);
            Assert.StartsWith("error: llama2.c checkpoint size mismatch", err);
            Assert.Single(err.Trim().Split('\n'));
            Assert.False(Directory.Exists(Path.Combine(dir, "out")));
        }
        finally { Directory.Delete(dir, true); }
    }
}
