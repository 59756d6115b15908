using Muscle.Infrastructure;
using Muscle.Tasks;

namespace Muscle.Tests.Tasks;

/// <summary>Template and preprocessing details on small in-test files (expected values checked with Python).</summary>
public sealed class TaskRenderingTests
{
    [Theory]
    [InlineData("  How to fold [header] Fold the shirt [title] Lay flat. [step] Then  go ", "How to fold Fold the shirt. Lay flat. Then go")]
    [InlineData("a   b", "a  b")]            // one non-overlapping pass, like str.replace
    [InlineData("x [a] y [b", "x y [b")]      // an unclosed bracket stays
    [InlineData("[title] Start", " Start")]   // strip first, so " [title]" does not match at the start
    [InlineData("\u001f tab\t", "tab")]         // Python's strip also removes U+001F
    public void HellaSwag_preprocess_matches_lm_eval(string raw, string expected) =>
        Assert.Equal(expected, HellaSwagTask.Preprocess(raw));

    [Theory]
    [InlineData("a FEW Women", "A few women")]
    [InlineData("", "")]
    [InlineData("éCOLE", "École")]
    [InlineData("1ST place", "1st place")]
    public void Capitalize_lowers_the_rest_like_python(string raw, string expected) =>
        Assert.Equal(expected, PythonText.Capitalize(raw));

    [Fact]
    public void HellaSwag_ctx_b_is_capitalized_and_labels_may_be_strings()
    {
        using var files = new TaskFiles();
        var path = files.Write("h.jsonl",
            """{"activity_label": "Fold [x]", "ctx_a": "Take it. ", "ctx_b": "tHE MAN", "endings": ["a [title] b", "c  d"], "label": "1"}""" + "\n");
        var ex = TaskRegistry.Get("hellaswag").Load(path)[0];
        Assert.Equal("Fold : Take it. The man", ex.Context);
        Assert.Equal([" a. b", " c d"], ex.Choices);
        Assert.Equal(1, ex.Gold);
        Assert.Equal("0", ex.Id); // no "ind": the record index
    }

    [Fact]
    public void JsonlMc_and_JsonlGen_use_the_lm_eval_delimiter_and_file_ids()
    {
        using var files = new TaskFiles();
        var mc = TaskRegistry.Get("jsonl-mc").Load(files.Write("m.jsonl",
            "{\"id\": \"q1\", \"context\": \"2+2=\", \"choices\": [\"3\", \"4\"], \"label\": 1}\n\n{\"context\": \"c\", \"choices\": [\"x\", \"y\"], \"label\": 0}\n"));
        Assert.Equal(["q1", "1"], mc.Select(e => e.Id));
        Assert.Equal(new TrainingText("2+2=", " 4"), TaskRegistry.Get("jsonl-mc").TrainingText(mc[0]));

        var genTask = TaskRegistry.Get("jsonl-gen");
        var gen = genTask.Load(files.Write("g.jsonl", "{\"id\": 7, \"prompt\": \"Say hi:\", \"target\": \"hi\"}\n"));
        Assert.Equal("7", gen[0].Id);
        Assert.Equal("Say hi: hi", genTask.TrainingText(gen[0]).Full);
        Assert.True(genTask.Score(" hi\n\nmore", gen[0]).Correct);
        Assert.False(genTask.Score(" hello", gen[0]).Correct);
    }

    [Fact]
    public void Samsum_csv_with_quoted_newlines_and_doubled_quotes()
    {
        var task = TaskRegistry.Get("samsum");
        var examples = task.Load(TaskFiles.Fixture("samsum_small.csv"));
        Assert.Equal(3, examples.Count);
        Assert.Equal("13818513", examples[0].Id);
        Assert.Equal("Dialogue: Amanda: I baked  cookies. Do you want some?\nJerry: Sure!\nAmanda: I'll bring you tomorrow :-)\nSummary:", examples[0].Context);
        Assert.Equal("Amanda baked cookies and will bring Jerry some tomorrow.", examples[0].Target);
        Assert.Equal("Dialogue: Olivia: Who are you voting for, \"this time\"?\nOliver: Liberals as always.\nSummary:", examples[1].Context);
        Assert.Equal("Olivia and Oliver are voting for liberals, \"as always\" in this election.", examples[1].Target);
        Assert.Equal("Tim says hi.", examples[2].Target);
        Assert.Equal(examples[2].Context + " Tim says hi.", task.TrainingText(examples[2]).Full);

        var spec = task.Generation!;
        Assert.Equal(["Dialogue:", "Summary:", "</s>", "\n\n"], spec.StopSequences);
        Assert.Equal((128, 2, "rouge1"), (spec.MaxNewTokens, spec.NoRepeatNgramSize, spec.Metric));
        var score = task.Score(" Tim greets.\n\nDialogue: more", examples[2]);
        Assert.Equal(("Tim greets.", "Tim says hi.", (double?)null), (score.Prediction, score.Reference, score.Score));
    }

    [Fact]
    public void Samsum_csv_keeps_crlf_inside_quotes_and_reports_record_lines()
    {
        using var files = new TaskFiles();
        var path = files.Write("s.csv", "summary,dialogue\r\n\"S1\",\"A: x\r\nB: y\"\r\n\"S2\",\"C: \"\"z\"\"\"\r\nS3,\"D: w\r\n");
        var e = Assert.Throws<MuscleInputException>(() => TaskRegistry.Get("samsum").Load(path));
        Assert.Equal((path, 5L), (e.File, e.Line)); // the unclosed quote opens on line 5
        var ok = files.Write("t.csv", "summary,dialogue\r\n\"S1\",\"A: x\r\nB: y\"\r\n\"S2\",\"C: \"\"z\"\"\"\r\n");
        var examples = TaskRegistry.Get("samsum").Load(ok);
        Assert.Equal("Dialogue: A: x\r\nB: y\nSummary:", examples[0].Context);
        Assert.Equal("Dialogue: C: \"z\"\nSummary:", examples[1].Context);
        Assert.Equal(["0", "1"], examples.Select(x => x.Id)); // no id column: record index
    }

    [Fact]
    public void Samsum_json_array_and_jsonl()
    {
        var examples = TaskRegistry.Get("samsum").Load(TaskFiles.Fixture("samsum_small.json"));
        Assert.Equal(["a1", "a2"], examples.Select(e => e.Id));
        Assert.Equal("Dialogue: Ann: Hi\nBob: Yo\nSummary:", examples[0].Context);
        using var files = new TaskFiles();
        var jsonl = TaskRegistry.Get("samsum").Load(files.Write("s.jsonl", "{\"dialogue\": \"A: b\", \"summary\": \"c\"}\n"));
        Assert.Equal(("0", "c"), (jsonl[0].Id, jsonl[0].Target));
        var bad = files.Write("bad.json", "[\n {\"id\": \"a\", \"dialogue\": \"x\", \"summary\": \"y\"},\n\n {\"id\": \"b\", \"dialogue\": \"x\"}\n]");
        var e = Assert.Throws<MuscleInputException>(() => TaskRegistry.Get("samsum").Load(bad));
        Assert.Equal(4L, e.Line);
        Assert.Contains("'summary'", e.Message);
    }

    [Fact]
    public void Piqa_accepts_an_inline_label_field_without_a_labels_file()
    {
        using var files = new TaskFiles();
        var ex = TaskRegistry.Get("piqa").Load(files.Write("p.jsonl", "{\"goal\": \"g\", \"sol1\": \"a\", \"sol2\": \"b\", \"label\": 1}\n"))[0];
        Assert.Equal((1, "Question: g\nAnswer:"), (ex.Gold, ex.Context));
    }

    [Fact]
    public void Multiple_choice_rules_pick_first_maximum_and_normalise_by_characters()
    {
        var ex = new TaskExample("0", "c", [" ab", " abcdef"], 0, null);
        Assert.Equal(new MultipleChoicePrediction(0, 1), MultipleChoiceRules.Decide([-4.0, -6.0], ex)); // -2/char vs -1.2/char
        Assert.Equal(new MultipleChoicePrediction(0, 0), MultipleChoiceRules.Decide([-3.0, -3.0], new TaskExample("0", "c", [" ab", " cd"], 0, null)));
        Assert.Equal(1, MultipleChoiceRules.ArgMaxFirst([double.NaN, -1.0]));
    }

    [Fact]
    public void Stop_sequences_cut_at_the_earliest()
    {
        var spec = new GenerationSpec(["B", "A"], 10, 0, "exact_match");
        Assert.Equal("xx", spec.CutAtStop("xxAyyB"));
        Assert.Equal("xx", spec.CutAtStop("xxByyA"));
        Assert.Equal("none", spec.CutAtStop("none"));
    }

    [Fact]
    public void Registry_is_case_insensitive_and_rejects_unknown_names()
    {
        Assert.Equal("hellaswag", TaskRegistry.Get("HellaSwag").Name);
        var e = Assert.Throws<MuscleInputException>(() => TaskRegistry.Get("hella"));
        Assert.Contains("unknown task 'hella'", e.Message);
        Assert.Contains("arc_challenge, arc_easy, boolq, copa, gsm8k, hellaswag, jsonl-gen, jsonl-mc, piqa, samsum, sst2, winogrande", e.Message);
    }

    [Fact]
    public void Every_registered_task_has_a_consistent_kind()
    {
        foreach (var name in TaskRegistry.Names)
        {
            var task = TaskRegistry.Get(name);
            Assert.Equal(name, task.Name);
            Assert.Equal(task.Kind == TaskKind.MultipleChoice, task.Scoring is not null);
            Assert.Equal(task.Kind == TaskKind.Generative, task.Generation is not null);
        }
        Assert.Throws<NotSupportedException>(() => TaskRegistry.Get("piqa").Score("x", new TaskExample("0", "c", [" a"], 0, null)));
    }
}
