using Muscle.Cli.Infrastructure;

namespace Muscle.Tests.Cli;

/// <summary>
/// <c>eval</c> decodes generative prompts of one token length together, up to <c>--batch-size</c> at a time: the
/// predictions file must be the one that decoding each prompt alone writes, in the data's order.
/// </summary>
public sealed class EvalBatchingCommandTests
{
    private static readonly string Model = Path.Combine(SharedData.RepoRoot, "tests", "bad-inputs", "_valid", "tiny-llama");

    [Fact]
    public void Batched_generation_writes_the_file_that_one_prompt_at_a_time_writes()
    {
        var dir = Path.Combine(Path.GetTempPath(), "muscle-eval-batching-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            // Three prompt lengths, interleaved, so batches are formed out of the data's order.
            var prompts = new[] { "hello", "a b c d e", "world", "hello there friend", "x y z w v", "hi", "abcde", "hello there, friend" };
            var lengths = prompts.Select(p => Muscle.Tokenization.MuscleTokenizer.FromDirectory(Model).Encode(p, addBos: true).Count).ToArray();
            Assert.True(lengths.GroupBy(n => n).Count(g => g.Count() >= 2) >= 2, $"prompt lengths {string.Join(", ", lengths)}: two batches of two or more wanted");
            var data = Path.Combine(dir, "gen.jsonl");
            File.WriteAllLines(data, prompts.Select((p, i) => $"{{\"id\": \"g{i}\", \"prompt\": \"{p}\", \"target\": \" world\"}}"));
            string Eval(int batchSize)
            {
                var outPath = Path.Combine(dir, $"pred-{batchSize}.jsonl");
                using var stdout = new StringWriter();
                using var stderr = new StringWriter();
                var exit = MuscleApp.Run(["eval", "--model", Model, "--task", "jsonl-gen", "--data", data, "--out", outPath,
                                          "--max-new-tokens", "6", "--batch-size", batchSize.ToString()], stdout, stderr);
                Assert.True(exit == 0, stderr.ToString());
                return File.ReadAllText(outPath);
            }
            var alone = Eval(1);
            Assert.Equal(prompts.Select((_, i) => $"g{i}"),
                         alone.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => (string)System.Text.Json.Nodes.JsonNode.Parse(l)!["id"]!));
            Assert.Equal(alone, Eval(3));
            Assert.Equal(alone, Eval(16));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
