using Muscle.Compatibility;
using Muscle.Infrastructure;
using Muscle.Predictions;

namespace Muscle.Metrics.Tests.Predictions;

public class PredictionReaderTests
{
    private static PredictionSet Parse(string file, params string[] lines) => PredictionReader.Parse(file, lines);

    [Fact]
    public void ReadsAllFieldsAndSkipsBlankLines()
    {
        var set = Parse("a.jsonl",
            """{"id": 7, "gold": 2, "prediction": 1, "correct": false, "score": -1.5, "input": "q?", "output": "B"}""",
            "",
            """{"id": "x", "gold": "the cat", "prediction": "a cat"}""");
        Assert.Equal(2, set.Records.Count);
        var r = set.Records[0];
        Assert.Equal(("7", new Label("2", true), new Label("1", true), false, -1.5, "q?", "B", 1),
            (r.Id, r.Gold!.Value, r.Prediction!.Value, r.Correct!.Value, r.Score!.Value, r.Input, r.Output, r.Line));
        Assert.Equal(3, set.Records[1].Line);
        Assert.Equal(new Label("the cat", false), set.Records[1].Gold);
    }

    [Theory]
    [InlineData("{\"id\": 1, \"gold\": 1", "malformed JSON")]
    [InlineData("[1, 2]", "expected a JSON object")]
    [InlineData("{\"gold\": 1}", "missing \"id\"")]
    [InlineData("{\"id\": 1, \"gold\": 1.5}", "\"gold\" must be an integer or a string")]
    [InlineData("{\"id\": 1, \"correct\": \"yes\"}", "\"correct\" must be true or false")]
    [InlineData("{\"id\": 1, \"score\": \"high\"}", "\"score\" must be a finite number")]
    public void BadLinesNameFileAndLine(string bad, string message)
    {
        var e = Assert.Throws<MuscleInputException>(() => Parse("p.jsonl", """{"id": 0, "gold": 1, "prediction": 1}""", bad));
        Assert.Contains(message, e.Message);
        Assert.Equal("p.jsonl", e.File);
        Assert.Equal(2, e.Line);
        Assert.EndsWith("(p.jsonl:2)", e.OneLine());
    }

    [Fact]
    public void DuplicateIdsAreErrorsEvenAcrossIntAndString()
    {
        var e = Assert.Throws<MuscleInputException>(() => Parse("d.jsonl", """{"id": 5}""", """{"id": 6}""", """{"id": "5"}"""));
        Assert.Contains("duplicate id '5' (first on line 1)", e.Message);
        Assert.Equal(3, e.Line);
    }

    [Fact]
    public void EmptyFileIsAnError()
    {
        var e = Assert.Throws<MuscleInputException>(() => Parse("e.jsonl", "", "  "));
        Assert.Contains("empty", e.Message);
        Assert.Equal("e.jsonl", e.File);
    }

    [Fact]
    public void MissingFileIsAnInputError() =>
        Assert.Throws<MuscleInputException>(() => PredictionReader.Read("/nonexistent/file.jsonl"));

    [Fact]
    public void AlignmentFollowsOldOrderById()
    {
        var old = Parse("o", """{"id": "a", "gold": 1, "prediction": 1}""", """{"id": "b", "gold": 2, "prediction": 0}""");
        var @new = Parse("n", """{"id": "b", "gold": 2, "prediction": 2}""", """{"id": "a", "gold": 1, "prediction": 0}""");
        var a = PredictionAlignment.Align(old, @new);
        Assert.Equal(["a", "b"], a.New.Select(r => r.Id));
        var result = ComparisonRunner.Compare(a);
        Assert.Equal(new FlipTable(0, 1, 1, 0), result.Discrete!.Table);
    }

    [Fact]
    public void UnmatchedIdsAreReportedWithCountFirstIdsAndLine()
    {
        var old = Parse("old.jsonl", Enumerable.Range(0, 10).Select(i => $$"""{"id": {{i}}, "gold": 1, "prediction": 1}""").ToArray());
        var @new = Parse("new.jsonl", Enumerable.Range(0, 3).Select(i => $$"""{"id": {{i}}, "gold": 1, "prediction": 1}""").ToArray());
        var e = Assert.Throws<MuscleInputException>(() => PredictionAlignment.Align(old, @new));
        Assert.Contains("7 id(s) of old.jsonl are missing from new.jsonl: 3, 4, 5, 6, 7, ...", e.Message);
        Assert.Equal(("old.jsonl", 4L), (e.File, e.Line));

        var extra = Parse("c.jsonl", Enumerable.Range(0, 11).Select(i => $$"""{"id": {{i}}, "gold": 1, "prediction": 1}""").ToArray());
        var e2 = Assert.Throws<MuscleInputException>(() => PredictionAlignment.Align(old, old, extra));
        Assert.Contains("1 id(s) of c.jsonl are missing from old.jsonl: 10", e2.Message);
        Assert.Equal(11L, e2.Line);
    }

    [Fact]
    public void GoldThatDiffersBetweenFilesIsAnError()
    {
        var old = Parse("old.jsonl", """{"id": 1, "gold": 1, "prediction": 1}""");
        var @new = Parse("new.jsonl", """{"id": 1, "gold": 2, "prediction": 1}""");
        var e = Assert.Throws<MuscleInputException>(() => PredictionAlignment.Align(old, @new));
        Assert.Contains("gold for id '1'", e.Message);
        Assert.Equal(("new.jsonl", 1L), (e.File, e.Line));
    }
}
