using Muscle.Infrastructure;
using Muscle.Tasks;

namespace Muscle.Tests.Tasks;

/// <summary>Every reader error is a MuscleInputException naming the file, the 1-based line and what is wrong.</summary>
public sealed class TaskReaderErrorTests : IDisposable
{
    private const string Piqa = "{\"goal\": \"g\", \"sol1\": \"a\", \"sol2\": \"b\"}\n";
    private readonly TaskFiles _files = new();

    public void Dispose() => _files.Dispose();

    private MuscleInputException Fails(string task, string content, string? labels = null, string name = "data.jsonl")
    {
        var path = _files.Write(name, content);
        var labelsPath = labels is null ? null : _files.Write("labels.lst", labels);
        return Assert.Throws<MuscleInputException>(() => TaskRegistry.Get(task).Load(path, labelsPath));
    }

    private static void At(MuscleInputException e, string fileName, long line, params string[] says)
    {
        Assert.Equal(fileName, Path.GetFileName(e.File));
        Assert.Equal(line, e.Line);
        foreach (var s in says) Assert.Contains(s, e.Message);
        Assert.EndsWith($"{fileName}:{line})", e.OneLine());
    }

    [Theory]
    [InlineData("hellaswag")]
    [InlineData("piqa")]
    [InlineData("arc_easy")]
    [InlineData("winogrande")]
    [InlineData("jsonl-mc")]
    [InlineData("gsm8k")]
    [InlineData("jsonl-gen")]
    [InlineData("samsum")]
    public void Malformed_json_line(string task) =>
        At(Fails(task, "\n{\"a\": \n{\"a\": 1}\n", labels: task == "piqa" ? "0\n0\n" : null), "data.jsonl", 2, "malformed JSON");

    [Fact]
    public void Malformed_json_names_the_right_line_after_good_ones() =>
        At(Fails("jsonl-gen", "{\"prompt\": \"p\", \"target\": \"t\"}\n{\"prompt\": \"p\", \"target\": \"t\",}\n"), "data.jsonl", 2, "malformed JSON");

    [Fact]
    public void Json_line_that_is_not_an_object() =>
        At(Fails("jsonl-mc", "[1, 2]\n"), "data.jsonl", 1, "expected a JSON object");

    [Theory]
    [InlineData("hellaswag", "{\"activity_label\": \"a\", \"ctx_a\": \"b\", \"endings\": [\"x\", \"y\"], \"label\": 0}", "'ctx_b'")]
    [InlineData("arc_easy", "{\"query\": \"q\", \"gold\": 0}", "'choices'")]
    [InlineData("boolq", "{\"choices\": [\"no\", \"yes\"], \"gold\": 0}", "'query'")]
    [InlineData("winogrande", "{\"context_options\": [\"a\", \"b\"], \"gold\": 0}", "'continuation'")]
    [InlineData("copa", "{\"query\": \"q, because\", \"choices\": [\"a\", \"b\"]}", "'gold'")]
    [InlineData("jsonl-mc", "{\"context\": \"c\", \"choices\": [\"a\", \"b\"]}", "'label'")]
    [InlineData("gsm8k", "{\"question\": \"q\"}", "'answer'")]
    [InlineData("samsum", "{\"dialogue\": \"d\"}", "'summary'")]
    [InlineData("jsonl-gen", "{\"target\": \"t\"}", "'prompt'")]
    [InlineData("piqa", "{\"goal\": \"g\", \"sol1\": \"a\"}", "'sol2'")]
    public void Missing_field_is_named(string task, string line, string field) =>
        At(Fails(task, "\n\n" + line + "\n", labels: task == "piqa" ? "0\n" : null), "data.jsonl", 3, "missing field", field);

    [Theory]
    [InlineData("jsonl-mc", "{\"context\": \"c\", \"choices\": [\"a\", \"b\"], \"label\": 2}", "allowed 0..1")]
    [InlineData("jsonl-mc", "{\"context\": \"c\", \"choices\": [\"a\", \"b\", \"c\"], \"label\": -1}", "allowed 0..2")]
    [InlineData("hellaswag", "{\"activity_label\": \"a\", \"ctx_a\": \"b\", \"ctx_b\": \"c\", \"endings\": [\"w\", \"x\", \"y\", \"z\"], \"label\": 4}", "allowed 0..3")]
    [InlineData("winogrande", "{\"context_options\": [\"a\", \"b\"], \"continuation\": \"c\", \"gold\": 5}", "allowed 0..1")]
    [InlineData("piqa", "{\"goal\": \"g\", \"sol1\": \"a\", \"sol2\": \"b\", \"label\": 2}", "allowed 0..1")]
    public void Label_out_of_range_says_the_allowed_range(string task, string line, string range) =>
        At(Fails(task, line + "\n"), "data.jsonl", 1, "out of range", range);

    [Theory]
    [InlineData("jsonl-mc", "{\"context\": \"c\", \"choices\": [\"a\", \"b\"], \"label\": \"one\"}", "must be an integer")]
    [InlineData("jsonl-mc", "{\"context\": \"c\", \"choices\": [\"a\", 2], \"label\": 0}", "array of strings")]
    [InlineData("jsonl-mc", "{\"context\": \"c\", \"choices\": [\"a\"], \"label\": 0}", "at least 2")]
    [InlineData("jsonl-mc", "{\"context\": 5, \"choices\": [\"a\", \"b\"], \"label\": 0}", "must be a string")]
    [InlineData("jsonl-mc", "{\"context\": null, \"choices\": [\"a\", \"b\"], \"label\": 0}", "is null")]
    [InlineData("jsonl-mc", "{\"id\": [1], \"context\": \"c\", \"choices\": [\"a\", \"b\"], \"label\": 0}", "'id'")]
    [InlineData("gsm8k", "{\"question\": \"q\", \"answer\": \"no final number\"}", "'#### <number>'")]
    public void Wrong_field_types_and_values(string task, string line, string says) =>
        At(Fails(task, line + "\n"), "data.jsonl", 1, says);

    [Fact]
    public void Empty_dataset()
    {
        At(Fails("jsonl-mc", "\n  \n"), "data.jsonl", 1, "no examples");
        At(Fails("samsum", "id,dialogue,summary\n", name: "s.csv"), "s.csv", 1, "no examples");
        At(Fails("sst2", "", name: "s.tsv"), "s.tsv", 1, "no header");
        At(Fails("samsum", "[ ]", name: "s.json"), "s.json", 1, "no examples");
    }

    [Fact]
    public void Duplicate_ids() =>
        At(Fails("jsonl-gen", "{\"id\": \"a\", \"prompt\": \"p\", \"target\": \"t\"}\n{\"id\": \"a\", \"prompt\": \"p\", \"target\": \"t\"}\n"),
            "data.jsonl", 2, "duplicate id 'a'", "line 1");

    [Fact]
    public void Labels_file_shorter_than_the_data() =>
        At(Fails("piqa", Piqa + Piqa + Piqa, labels: "0\n1\n"), "labels.lst", 3, "2 labels", "3 records");

    [Fact]
    public void Labels_file_longer_than_the_data() =>
        At(Fails("piqa", Piqa, labels: "0\n1\n"), "labels.lst", 2, "2 labels", "1 records");

    [Fact]
    public void Labels_file_value_errors()
    {
        At(Fails("piqa", Piqa + Piqa, labels: "0\n2\n"), "labels.lst", 2, "out of range", "allowed 0..1");
        At(Fails("piqa", Piqa, labels: "yes\n"), "labels.lst", 1, "not an integer");
    }

    [Fact]
    public void Piqa_without_labels_says_how_to_pass_them() =>
        At(Fails("piqa", Piqa), "data.jsonl", 1, "'label'", "--labels");

    [Fact]
    public void Labels_file_for_a_task_that_takes_none()
    {
        var e = Fails("jsonl-mc", "{\"context\": \"c\", \"choices\": [\"a\", \"b\"], \"label\": 0}\n", labels: "0\n");
        Assert.Equal("labels.lst", Path.GetFileName(e.File));
        Assert.Contains("takes no labels file", e.Message);
    }

    [Fact]
    public void Missing_file()
    {
        var e = Assert.Throws<MuscleInputException>(() => TaskRegistry.Get("gsm8k").Load("/nonexistent/x.jsonl"));
        Assert.Equal(("/nonexistent/x.jsonl", "data file not found"), (e.File, e.Message));
    }

    [Theory]
    [InlineData("id,dialogue,summary\n1,\"a\"b,c\n", 2, "after a closing quote")]
    [InlineData("id,dialogue,summary\n1,a\"b,c\n", 2, "quote inside an unquoted field")]
    [InlineData("id,dialogue,summary\n1,\"a\nb\",c\n2,d\n", 4, "2 fields but the header has 3")]
    [InlineData("id,dialogue,summary\n1,\"never closed,c\n\n", 2, "never closed")]
    [InlineData("id,dialog,summary\n1,a,b\n", 1, "missing column 'dialogue'")]
    [InlineData("id,dialogue,summary\n1,a,b\n1,c,d\n", 3, "duplicate id '1'")]
    public void Samsum_csv_errors(string content, long line, string says) =>
        At(Fails("samsum", content, name: "s.csv"), "s.csv", line, says);

    [Theory]
    [InlineData("[\n{\"dialogue\": \"d\", \"summary\": \"s\"},\n5\n]", 3, "not a JSON object")]
    [InlineData("[\n{\"dialogue\": \"d\", \"summary\": \"s\"},\n{\"dialogue\": \"d\",\n", 4, "malformed JSON")]
    [InlineData("[{\"dialogue\": \"d\", \"summary\": \"s\"}]\n]", 2, "malformed JSON")]
    public void Samsum_json_array_errors(string content, long line, string says) =>
        At(Fails("samsum", content, name: "s.json"), "s.json", line, says);

    [Theory]
    [InlineData("sentence\tlabel\nok\t1\nbad\t2\n", 3, "allowed 0..1")]
    [InlineData("sentence\tlabel\nok\tx\n", 2, "not an integer")]
    [InlineData("sentence\tlabel\nno tab here\n", 2, "1 tab-separated fields")]
    [InlineData("text\tlabel\nok\t1\n", 1, "missing column 'sentence'")]
    public void Sst2_tsv_errors(string content, long line, string says) =>
        At(Fails("sst2", content, name: "s.tsv"), "s.tsv", line, says);
}
