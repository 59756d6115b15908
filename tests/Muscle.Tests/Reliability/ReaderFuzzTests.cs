using System.Text;
using Muscle.Adapters;
using Muscle.Configuration;
using Muscle.Infrastructure;
using Muscle.Pretraining;
using Muscle.Tokenization;
using Xunit.Abstractions;

namespace Muscle.Tests.Reliability;

/// <summary>
/// Random and mutated inputs through the readers of the files a user hands over besides datasets and
/// weights: adapter_config.json, config.json, tokenizer.json / tokenizer_config.json and the pretraining corpus.
/// Only MuscleInputException may escape, naming the file read. Fixed seeds; each reader runs well under 5 s in CI,
/// MUSCLE_FUZZ_ITERATIONS scales every one of them.
/// </summary>
public sealed class ReaderFuzzTests(ITestOutputHelper output) : IDisposable
{
    private static readonly string TinyTokenizer = Path.Combine(SharedData.RepoRoot, "tests", "Muscle.Tests", "Tokenization", "Fixtures", "tiny-bytelevel");
    private static readonly string Valid = Path.Combine(SharedData.RepoRoot, "tests", "bad-inputs", "_valid");

    private readonly string _dir = Directory.CreateTempSubdirectory("muscle-reader-fuzz-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Adapter_config()
    {
        var path = Path.Combine(_dir, LoraConfig.FileName);
        string[] valid =
        [
            File.ReadAllText(Path.Combine(Valid, "tiny-adapter", LoraConfig.FileName)),
            """{"peft_type": "LORA", "task_type": "CAUSAL_LM", "r": 8, "lora_alpha": 16, "lora_dropout": 0.05, "target_modules": ["q_proj", "v_proj"], "rank_pattern": {"q_proj": 4}, "alpha_pattern": {}, "layers_to_transform": [0, 1], "layers_pattern": "layers", "use_rslora": true, "bias": "none"}""",
            File.ReadAllText(Path.Combine(SharedData.RepoRoot, "tests", "Muscle.Tests", "Adapters", "Fixtures", "gpt2_attn", LoraConfig.FileName)),
        ];
        Report("adapter_config.json", Fuzz.Run(Fuzz.Iterations(3000), seed: 1, valid, text =>
        {
            File.WriteAllText(path, text);
            var config = LoraConfig.Load(_dir);
            Assert.True(config.R > 0);
        }, expectedFile: null));
    }

    [Fact]
    public void Model_config()
    {
        var fixtures = Path.Combine(SharedData.RepoRoot, "tests", "Muscle.Tests", "Models");
        string[] valid =
        [
            File.ReadAllText(Path.Combine(Valid, "tiny-llama", "config.json")),
            File.ReadAllText(Path.Combine(fixtures, "Fixtures", "gpt2", "config.json")),
            File.ReadAllText(Path.Combine(fixtures, "Fixtures", "phi-2", "config.json")),
            File.ReadAllText(Path.Combine(fixtures, "Golden", "mistral_window_linear", "config.json")),
            File.ReadAllText(Path.Combine(fixtures, "Golden", "llama3_rope_tied_bias", "config.json")),
            File.ReadAllText(Path.Combine(fixtures, "Golden", "qwen2_bias_tied", "config.json")),
        ];
        Report("config.json", Fuzz.Run(Fuzz.Iterations(10_000), seed: 2, valid,
            text => ModelConfigLoader.Parse(text, "fuzz/config.json"), expectedFile: "fuzz/config.json"));
    }

    [Fact]
    public void Tokenizer_files()
    {
        var dir = Path.Combine(_dir, "tok");
        Directory.CreateDirectory(dir);
        var tokenizerJson = File.ReadAllText(Path.Combine(TinyTokenizer, "tokenizer.json"));
        var tokenizerConfig = File.ReadAllText(Path.Combine(TinyTokenizer, "tokenizer_config.json"));
        var round = 0;
        // Two in three mutate tokenizer.json, the rest tokenizer_config.json; the other file stays intact.
        Report("tokenizer.json + tokenizer_config.json", Fuzz.Run(Fuzz.Iterations(600), seed: 3, [tokenizerJson, tokenizerConfig], text =>
        {
            var json = text;
            var config = tokenizerConfig;
            if (round++ % 3 == 2) (json, config) = (tokenizerJson, text);
            File.WriteAllText(Path.Combine(dir, "tokenizer.json"), json);
            File.WriteAllText(Path.Combine(dir, "tokenizer_config.json"), config);
            var tokenizer = MuscleTokenizer.FromDirectory(dir);
            var ids = tokenizer.Encode("hello world, held low!");
            Assert.All(ids, id => Assert.InRange(id, 0, tokenizer.VocabSize - 1));
            tokenizer.Decode(ids);
        }, expectedFile: null));
    }

    /// <summary>Found by the fuzzer: a null added-token id used to escape as InvalidOperationException.</summary>
    [Fact]
    public void A_null_added_token_id_is_an_input_error()
    {
        var dir = Path.Combine(_dir, "tok-null-id");
        Directory.CreateDirectory(dir);
        var json = File.ReadAllText(Path.Combine(TinyTokenizer, "tokenizer.json")).Replace("\"id\": 22", "\"id\": null");
        Assert.Contains("\"id\": null", json);
        File.WriteAllText(Path.Combine(dir, "tokenizer.json"), json);
        var e = Assert.Throws<MuscleInputException>(() => MuscleTokenizer.FromDirectory(dir));
        Assert.Contains("has no valid \"id\"", e.Message);
        Assert.Equal(Path.Combine(dir, "tokenizer.json"), e.File);
    }

    [Fact]
    public void Pretraining_corpus()
    {
        var tokenizer = MuscleTokenizer.FromDirectory(TinyTokenizer);
        var path = Path.Combine(_dir, "corpus.txt");
        string[] valid = ["hello world\n\nhello hello world\nworld\n", "held\r\n\r\nlow\n\n\n\nhe\n"];
        var random = new Random(4);
        Report("pretraining corpus", Fuzz.Run(Fuzz.Iterations(2000), seed: 4, valid, text =>
        {
            var bytes = Encoding.UTF8.GetBytes(text);
            if (random.Next(4) == 0 && bytes.Length > 0) bytes[random.Next(bytes.Length)] = (byte)random.Next(128, 256); // invalid UTF-8
            File.WriteAllBytes(path, bytes);
            var seqLen = random.Next(1, 8);
            var corpus = PretrainCorpus.Load(path, tokenizer, seqLen);
            Assert.True(corpus.WindowCount >= 1);
            Span<long> window = stackalloc long[seqLen + 1];
            corpus.CopyWindow(corpus.WindowCount - 1, window);
        }, expectedFile: path));
    }

    private void Report(string reader, (int Accepted, int Rejected, long Milliseconds) r)
    {
        var total = r.Accepted + r.Rejected;
        output.WriteLine($"{reader}: {total} inputs in {r.Milliseconds} ms: {r.Accepted} accepted, {r.Rejected} rejected");
        // Both outcomes must be common, or the generators have stopped reaching one side of the reader.
        Assert.True(r.Accepted > total / 20, $"{reader}: only {r.Accepted} of {total} accepted");
        Assert.True(r.Rejected > total / 20, $"{reader}: only {r.Rejected} of {total} rejected");
    }
}
