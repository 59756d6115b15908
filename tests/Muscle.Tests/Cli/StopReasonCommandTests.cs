using System.Text.Json.Nodes;
using Muscle.Cli.Infrastructure;

namespace Muscle.Tests.Cli;

/// <summary>
/// A generation cut short by the context window used to look like a normal, empty one (exit 0, an empty line, a
/// <c>"prediction": ""</c>). <c>generate</c> now says why it stopped on stderr and <c>eval</c> writes a
/// <c>stop_reason</c> per item and warns once with a count.
/// </summary>
public sealed class StopReasonCommandTests
{
    private static readonly string Valid = Path.Combine(SharedData.RepoRoot, "tests", "bad-inputs", "_valid");
    private static readonly string Model = Path.Combine(Valid, "tiny-llama"); // max_position_embeddings 64

    [Fact]
    public void Generate_says_the_context_window_is_full_when_the_prompt_fills_it()
    {
        var (exit, stdout, stderr) = Run("generate", "--model", Model, "--prompt", new string('e', 70), "--max-new-tokens", "100", "--greedy", "--ids");
        Assert.True(exit == 0, stderr);
        Assert.Equal("", stdout.Trim());
        Assert.Contains("warning: stopped because the context window is full (0 of 100 new tokens", stderr);
        Assert.Contains("max_position_embeddings is 64", stderr);
    }

    [Fact]
    public void Generate_says_how_many_tokens_fit_when_the_window_fills_during_generation()
    {
        var (exit, stdout, stderr) = Run("generate", "--model", Model, "--prompt", new string('e', 40), "--max-new-tokens", "100", "--greedy", "--ids");
        Assert.True(exit == 0, stderr);
        var count = stdout.Trim().Split(' ').Length;
        Assert.True(count < 100);
        Assert.Contains($"context window is full ({count} of 100 new tokens", stderr);
    }

    [Fact]
    public void Generate_names_the_max_tokens_stop()
    {
        var (exit, _, stderr) = Run("generate", "--model", Model, "--max-new-tokens", "3", "--greedy", "--ids");
        Assert.True(exit == 0, stderr);
        Assert.Equal("note: stopped after the requested 3 of 3 new tokens\n", stderr);
    }

    [Fact]
    public void Eval_writes_a_stop_reason_per_item_and_warns_once_with_a_count()
    {
        var dir = Path.Combine(Path.GetTempPath(), "muscle-stop-reason-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            var data = Path.Combine(dir, "gen.jsonl");
            File.WriteAllText(data,
                "{\"id\": \"short\", \"prompt\": \"hello\", \"target\": \" world\"}\n"
                + $"{{\"id\": \"long1\", \"prompt\": \"{new string('e', 80)}\", \"target\": \" world\"}}\n"
                + $"{{\"id\": \"long2\", \"prompt\": \"{new string('e', 90)}\", \"target\": \" world\"}}\n");
            var outPath = Path.Combine(dir, "pred.jsonl");
            var (exit, _, stderr) = Run("eval", "--model", Model, "--task", "jsonl-gen", "--data", data, "--out", outPath, "--max-new-tokens", "4");
            Assert.True(exit == 0, stderr);
            var lines = File.ReadAllLines(outPath).Select(l => JsonNode.Parse(l)!.AsObject()).ToList();
            Assert.Equal(["max_tokens", "context_full", "context_full"], lines.Select(l => (string)l["stop_reason"]!));
            var warnings = stderr.Split('\n').Where(l => l.Contains("context window", StringComparison.Ordinal)).ToList();
            Assert.Single(warnings);
            Assert.Contains("2 of 3 generations stopped because the context window (max_position_embeddings 64) was full", warnings[0]);
            Assert.Contains("first: id long1", warnings[0]);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static (int Exit, string Out, string Err) Run(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var exit = MuscleApp.Run(args, stdout, stderr);
        return (exit, stdout.ToString().ReplaceLineEndings("\n"), stderr.ToString().ReplaceLineEndings("\n"));
    }
}
