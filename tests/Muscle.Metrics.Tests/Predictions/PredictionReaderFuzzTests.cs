using Muscle.Predictions;
using Xunit.Abstractions;

namespace Muscle.Metrics.Tests.Predictions;

/// <summary>
/// Random and mutated prediction lines, between two valid ones, through <see cref="PredictionReader.Parse"/>: only
/// MuscleInputException escapes, naming the file and a line of it; whatever parses has unique ids and in-file lines.
/// 10,000 inputs by default (well under a second); MUSCLE_FUZZ_ITERATIONS scales it.
/// </summary>
public class PredictionReaderFuzzTests(ITestOutputHelper output)
{
    private static readonly string[] Valid =
    [
        """{"id": 7, "gold": 2, "prediction": 1, "correct": false, "score": -1.5, "input": "q?", "output": "B"}""",
        """{"id": "x", "gold": "the cat", "prediction": "a cat", "score": null}""",
        """{"id": "m", "gold": [1, 2], "prediction": {"a": 1}}""",
    ];

    [Theory]
    [InlineData("{\"id\": \"\\ud800\"}")]
    [InlineData("{\"id\": 1, \"output\": \"a\\udc00b\"}")]
    public void An_escaped_lone_surrogate_is_an_input_error(string line)
    {
        var e = Assert.Throws<Infrastructure.MuscleInputException>(() => PredictionReader.Parse("p.jsonl", ["{\"id\": 0}", line]));
        Assert.Equal(("p.jsonl", 2L), (e.File, e.Line));
    }

    [Fact]
    public void Only_input_errors_escape()
    {
        var iterations = Fuzz.Iterations(10_000);
        var (accepted, rejected, ms) = Fuzz.Run(iterations, seed: 8, Valid, text =>
        {
            string[] lines = ["{\"id\": \"first\", \"gold\": 0}", .. text.Split('\n'), "{\"id\": \"last\", \"prediction\": \"p\"}"];
            try
            {
                var set = PredictionReader.Parse("fuzz.jsonl", lines);
                Assert.Equal(set.Records.Count, set.Records.Select(r => r.Id).Distinct().Count());
                Assert.All(set.Records, r => Assert.InRange(r.Line, 1, lines.Length));
            }
            catch (Infrastructure.MuscleInputException e) when (e.Line is { } line && (line < 1 || line > lines.Length))
            {
                throw new InvalidOperationException($"error names line {line} of a {lines.Length}-line file: {e.Message}");
            }
        }, expectedFile: "fuzz.jsonl");
        output.WriteLine($"predictions JSONL: {iterations} inputs in {ms} ms: {accepted} accepted, {rejected} rejected");
        Assert.True(accepted > iterations / 10, $"only {accepted} of {iterations} accepted");
        Assert.True(rejected > iterations / 10, $"only {rejected} of {iterations} rejected");
    }
}
