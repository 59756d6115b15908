using Muscle.Infrastructure;
using Muscle.LmEval;

namespace Muscle.Metrics.Tests.LmEval;

/// <summary>Reading lm-eval --log_samples files and output directories.</summary>
public sealed class LmEvalReaderTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "muscle-lmeval-" + Guid.NewGuid().ToString("N"));

    public LmEvalReaderTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void FormatIsRecognisedFromContentNotName()
    {
        var renamed = Path.Combine(_dir, "predictions.jsonl");
        File.Copy(LmEvalFixtures.OldArc, renamed);
        Assert.True(LmEvalReader.IsLmEvalInput(renamed));
        var ours = Path.Combine(_dir, "samples_x_2024-01-01T00-00-00.jsonl");
        File.WriteAllText(ours, "{\"id\": 0, \"gold\": 1, \"prediction\": 1}\n");
        Assert.False(LmEvalReader.IsLmEvalInput(ours));
        Assert.True(LmEvalReader.IsLmEvalInput(LmEvalFixtures.OldDir));
    }

    [Fact]
    public void MultipleChoiceSamplesCarryPerChoiceLogLikelihoods()
    {
        var run = LmEvalReader.ReadRun(LmEvalFixtures.OldArc);
        var task = Assert.Single(run.Tasks);
        Assert.Equal("arc_easy", task.Name); // from samples_<task>_<timestamp>.jsonl
        Assert.Equal(LmEvalTask.MultipleChoice, task.OutputType); // inferred: no results file read for a single file
        var first = task.Samples[0];
        Assert.Equal([-9.5, -8.0, -11.0, -12.5], first.ChoiceLogLikelihoods!); // "-9.5" strings from sanitize_list
        Assert.Equal([6, 14, 6, 4], first.ChoiceLengths!); // " carbon dioxide" without the target delimiter
        Assert.Equal(1.0, first.Metrics["acc"]);
        Assert.Equal("1", first.Target!.Value.Text);
        Assert.Equal(64, first.DocHash!.Length);
    }

    [Fact]
    public void DictArgumentsOfLaterReleasesGiveTheSameLengths()
    {
        var task = Assert.Single(LmEvalReader.ReadRun(LmEvalFixtures.NewArc).Tasks);
        Assert.Equal([6, 14, 6, 4], task.Samples[0].ChoiceLengths!);
    }

    [Fact]
    public void GenerationResponsesAreReadFlatAndNested()
    {
        var flat = Assert.Single(LmEvalReader.ReadRun(LmEvalFixtures.OldGsm).Tasks);
        var nested = Assert.Single(LmEvalReader.ReadRun(LmEvalFixtures.NewGsm).Tasks);
        Assert.Equal(LmEvalTask.GenerateUntil, flat.OutputType);
        Assert.Equal(["strict-match", "flexible-extract"], flat.Filters);
        Assert.Equal("[invalid]", flat.Samples.Single(s => s.DocId == "2" && s.Filter == "strict-match").Response);
        Assert.Equal("[invalid]", nested.Samples.Single(s => s.DocId == "1" && s.Filter == "strict-match").Response);
        Assert.Null(flat.Samples[0].ChoiceLogLikelihoods);
    }

    [Fact]
    public void OutputDirectoryYieldsEveryTaskWithItsConfigOutputType()
    {
        var run = LmEvalReader.ReadRun(LmEvalFixtures.OldDir); // <output_path>, with the model directory below it
        Assert.Equal(["arc_easy", "gsm8k"], run.Tasks.Select(t => t.Name));
        Assert.Equal([LmEvalTask.MultipleChoice, LmEvalTask.GenerateUntil], run.Tasks.Select(t => t.OutputType));
    }

    [Fact]
    public void TaskKeySplitsAMergedFile()
    {
        var merged = Path.Combine(_dir, "merged.jsonl");
        File.WriteAllLines(merged, [
            """{"task": "a", "doc_id": 0, "filtered_resps": ["x"], "filter": "none", "metrics": ["exact_match"], "exact_match": 1.0}""",
            """{"task": "b", "doc_id": 0, "filtered_resps": ["y"], "filter": "none", "metrics": ["exact_match"], "exact_match": 0.0}""",
        ]);
        Assert.Equal(["a", "b"], LmEvalReader.ReadRun(merged).Tasks.Select(t => t.Name));
    }

    [Fact]
    public void MixedTasksWithoutTaskKeyNameFileAndLine()
    {
        var merged = Path.Combine(_dir, "merged.jsonl");
        File.WriteAllLines(merged, [.. File.ReadLines(LmEvalFixtures.OldArc).Take(2), .. File.ReadLines(LmEvalFixtures.OldGsm).Take(1)]);
        var e = Assert.Throws<MuscleInputException>(() => LmEvalReader.ReadRun(merged));
        Assert.Equal(merged, e.File);
        Assert.Equal(3, e.Line);
        Assert.Contains("no \"task\" key", e.Message);
    }

    [Fact]
    public void TwoRunsOfOneTaskInADirectoryAreRefused()
    {
        File.Copy(LmEvalFixtures.OldArc, Path.Combine(_dir, Path.GetFileName(LmEvalFixtures.OldArc)));
        File.Copy(LmEvalFixtures.NewArc, Path.Combine(_dir, Path.GetFileName(LmEvalFixtures.NewArc)));
        var e = Assert.Throws<MuscleInputException>(() => LmEvalReader.ReadRun(_dir));
        Assert.Contains("two samples files for task 'arc_easy'", e.Message);
    }
}
