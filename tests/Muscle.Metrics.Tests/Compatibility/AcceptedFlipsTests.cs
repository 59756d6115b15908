using Muscle.Compatibility;
using Muscle.Infrastructure;

namespace Muscle.Metrics.Tests.Compatibility;

public sealed class AcceptedFlipsTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "muscle-accepted-" + Guid.NewGuid().ToString("N"));

    public AcceptedFlipsTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(string text)
    {
        var path = Path.Combine(_dir, "accepted.jsonl");
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void FormatSortsIdsNumericallyAndReadsBack()
    {
        FlipKey[] flips = [new("gsm8k", "10"), new("arc_easy", "x-1"), new("gsm8k", "2"), new("arc_easy", "3")];
        var text = AcceptedFlips.Format(flips);
        Assert.Equal("{\"task\":\"arc_easy\",\"doc_id\":3}\n{\"task\":\"arc_easy\",\"doc_id\":\"x-1\"}\n"
                     + "{\"task\":\"gsm8k\",\"doc_id\":2}\n{\"task\":\"gsm8k\",\"doc_id\":10}\n", text);
        Assert.True(AcceptedFlips.Read(Write(text), lmEval: true).SetEquals(flips));
    }

    [Fact]
    public void AnEmptyFileAcceptsNothing() => Assert.Empty(AcceptedFlips.Read(Write(""), lmEval: false));

    [Theory]
    [InlineData("{\"id\": \"1\", \"gold\": 1, \"prediction\": 1}", false, "unknown key \"gold\"")]
    [InlineData("{\"id\": \"1\"}", true, "(\"id\" is for predictions JSONL)")]
    [InlineData("{\"task\": \"t\", \"doc_id\": 1}", false, "(\"task\"/\"doc_id\" are for lm-eval input)")]
    [InlineData("{\"id\": 1.5}", false, "\"id\" must be a string or an integer")]
    [InlineData("{\"id\": \"1\"}\n{\"id\": 1}", false, "id 1 is listed twice")]
    [InlineData("[1]", false, "found Array")]
    [InlineData("{\"id\": ", false, "malformed JSON")]
    public void BadLinesAreInputErrorsNamingTheLine(string text, bool lmEval, string expected)
    {
        var path = Write(text);
        var e = Assert.Throws<MuscleInputException>(() => AcceptedFlips.Read(path, lmEval));
        Assert.Contains(expected, e.Message);
        Assert.Equal(path, e.File);
        Assert.NotNull(e.Line);
    }

    [Fact]
    public void AMissingFileIsAnInputError()
    {
        var e = Assert.Throws<MuscleInputException>(() => AcceptedFlips.Read(Path.Combine(_dir, "none.jsonl"), lmEval: false));
        Assert.Contains("accepted-flips file not found", e.Message);
    }
}
