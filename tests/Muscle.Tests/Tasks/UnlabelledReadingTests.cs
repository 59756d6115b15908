using Muscle.Infrastructure;
using Muscle.Tasks;

namespace Muscle.Tests.Tasks;

/// <summary>
/// The unlabelled reading mode (--transfer files): every task reads a record without its label/answer field, with the
/// same prompt as the labelled reader, and ignores a label that is there; the labelled reader still refuses the record.
/// </summary>
public sealed class UnlabelledReadingTests : IDisposable
{
    private readonly TaskFiles _files = new();

    public void Dispose() => _files.Dispose();

    // task, an unlabelled record (two lines: a blank one first, so line numbers are checked), the same record labelled
    // (a label the unlabelled reader must ignore, even out of range for the second), and the missing field's name.
    public static TheoryData<string, string, string, string, string> Cases => new()
    {
        { "jsonl-mc", "{\"context\": \"c ->\", \"choices\": [\"a\", \"b\"]}", "\"label\": 1", "\"label\": 7", "label" },
        { "hellaswag", "{\"activity_label\": \"A\", \"ctx_a\": \"x\", \"ctx_b\": \"y\", \"endings\": [\"e1\", \"e2\"]}", "\"label\": 0", "\"label\": \"nope\"", "label" },
        { "piqa", "{\"goal\": \"g\", \"sol1\": \"a\", \"sol2\": \"b\"}", "\"label\": 1", "\"label\": 3", "label" },
        { "arc_easy", "{\"query\": \"Question: q\", \"choices\": [\"a\", \"b\"]}", "\"gold\": 1", "\"gold\": -1", "gold" },
        { "winogrande", "{\"context_options\": [\"A a\", \"A b\"], \"continuation\": \"rest\"}", "\"gold\": 0", "\"gold\": 5", "gold" },
        { "gsm8k", "{\"question\": \"1+1?\"}", "\"answer\": \"2 #### 2\"", "\"answer\": \"no final number\"", "answer" },
        { "jsonl-gen", "{\"prompt\": \"p\"}", "\"target\": \"t\"", "\"target\": 3", "target" },
        { "samsum", "{\"dialogue\": \"A: hi\"}", "\"summary\": \"s\"", "\"summary\": null", "summary" },
    };

    private static string With(string record, string field) => record[..^1] + ", " + field + "}";

    [Theory]
    [MemberData(nameof(Cases))]
    public void Unlabelled_records_read_in_transfer_mode_and_fail_in_labelled_mode(string task, string record, string label, string badLabel, string field)
    {
        var t = TaskRegistry.Get(task);
        var unlabelled = _files.Write($"{task}-u.jsonl", "\n" + record + "\n" + With(record, badLabel) + "\n");
        var rows = t.LoadUnlabelled(unlabelled);
        Assert.Equal([2L, 3L], rows.Select(r => r.Line));
        foreach (var (_, ex) in rows)
        {
            Assert.Null(ex.Gold);
            Assert.Null(ex.Target);
        }
        // Same rendering as the labelled reader: only the gold differs.
        var labelled = t.Load(_files.Write($"{task}-l.jsonl", With(record, label) + "\n"))[0];
        Assert.Equal(labelled.Context, rows[0].Example.Context);
        Assert.Equal(labelled.Choices, rows[0].Example.Choices);
        Assert.Equal(labelled.ChoiceContexts, rows[0].Example.ChoiceContexts);
        Assert.True(labelled.Gold is not null || labelled.Target is not null);

        var e = Assert.Throws<MuscleInputException>(() => t.Load(unlabelled));
        Assert.Equal(2, e.Line);
        Assert.Contains(field, e.Message);
    }

    [Fact]
    public void Csv_and_tsv_files_may_lack_the_label_column_in_transfer_mode()
    {
        var samsum = _files.Write("samsum.csv", "id,dialogue\nd1,\"A: hi\nB: yo\"\n");
        var row = Assert.Single(TaskRegistry.Get("samsum").LoadUnlabelled(samsum));
        Assert.Equal("d1", row.Example.Id);
        Assert.Equal("Dialogue: A: hi\nB: yo\nSummary:", row.Example.Context);
        Assert.Contains("missing column 'summary'", Assert.Throws<MuscleInputException>(() => TaskRegistry.Get("samsum").Load(samsum)).Message);

        var sst2 = _files.Write("sst2.tsv", "sentence\nfine film\n");
        Assert.Null(Assert.Single(TaskRegistry.Get("sst2").LoadUnlabelled(sst2)).Example.Gold);
        Assert.Contains("missing column 'label'", Assert.Throws<MuscleInputException>(() => TaskRegistry.Get("sst2").Load(sst2)).Message);
        // A label column that is there is ignored, however wrong.
        Assert.Single(TaskRegistry.Get("sst2").LoadUnlabelled(_files.Write("sst2-l.tsv", "sentence\tlabel\nfine film\tmaybe\n")));
    }

    [Fact]
    public void The_rest_of_a_record_is_still_checked()
    {
        var e = Assert.Throws<MuscleInputException>(() => TaskRegistry.Get("jsonl-mc").LoadUnlabelled(
            _files.Write("bad.jsonl", "{\"id\": \"a\", \"context\": \"c\", \"choices\": [\"a\", \"b\"]}\n{\"id\": \"a\", \"context\": \"c\", \"choices\": [\"a\"]}\n")));
        Assert.Equal(2, e.Line);
        Assert.Contains("'choices' has 1 items", e.Message);
    }
}
