using System.Globalization;
using System.Text.Json.Nodes;
using Muscle.LmEval;

namespace Muscle.Metrics.Tests.LmEval;

/// <summary>
/// The samples writer reproduces Python's json.dumps and lm-eval's hashes. Every expected value below was computed with
/// python3 (json, hashlib) as lm-eval v0.4.x computes it (lm_eval/utils.py hash_string; lm_eval/evaluator.py and
/// lm_eval/loggers/evaluation_tracker.py for the line); the Python is in the comment above each literal.
/// </summary>
public sealed class LmEvalSamplesWriterTests
{
    // doc = {"id": "q\u00e9-1", "query": "Caf\u00e9 \"quoted\" \\ back\nline\ttab\u0001\u007f \u2028 \U0001F600", "choices": ["a", "\u00fc"],
    //        "gold": 1, "w": 0.1, "big": 1e16, "small": 1.5e-05, "t": True, "n": None, "e": [], "o": {}}
    private static JsonObject Doc() => new()
    {
        ["id"] = "q\u00e9-1",
        ["query"] = "Caf\u00e9 \"quoted\" \\ back\nline\ttab\u0001\u007f \u2028 \U0001F600",
        ["choices"] = new JsonArray("a", "\u00fc"),
        ["gold"] = 1,
        ["w"] = 0.1,
        ["big"] = 1e16,
        ["small"] = 1.5e-05,
        ["t"] = true,
        ["n"] = null,
        ["e"] = new JsonArray(),
        ["o"] = new JsonObject(),
    };

    [Fact]
    public void CompactDumpsMatchesPython()
    {
        // json.dumps(doc, ensure_ascii=False)
        Assert.Equal(
            "{\"id\": \"q\u00E9-1\", \"query\": \"Caf\u00E9 \\\"quoted\\\" \\\\ back\\nline\\ttab\\u0001\u007F \u2028 \U0001F600\", \"choices\": [\"a\", \"\u00FC\"], \"gold\": 1, \"w\": 0.1, \"big\": 1e+16, \"small\": 1.5e-05, \"t\": true, \"n\": null, \"e\": [], \"o\": {}}",
            PythonJson.Dumps(Doc()));
    }

    [Fact]
    public void DocHashMatchesLmEval()
    {
        // hashlib.sha256(json.dumps(doc, indent=2, ensure_ascii=False).encode("utf-8")).hexdigest()
        Assert.Equal("e0762864f6ae8a85b4854f865cf70f059739aaa1ac36d9bbe3bdb7636f82f0e4", LmEvalSamplesWriter.DocHash(Doc()));
    }

    [Theory]
    // python3 -c 'for v in [...]: print(repr(v))'
    [InlineData(1.0, "1.0")]
    [InlineData(0.1, "0.1")]
    [InlineData(-2.5, "-2.5")]
    [InlineData(1e16, "1e+16")]
    [InlineData(1e15, "1000000000000000.0")]
    [InlineData(123456789.125, "123456789.125")]
    [InlineData(1.5e-05, "1.5e-05")]
    [InlineData(0.0001, "0.0001")]
    [InlineData(0.00012345, "0.00012345")]
    [InlineData(-7.316553115844727, "-7.316553115844727")]
    [InlineData(1e-7, "1e-07")]
    [InlineData(1152921504606846976.0, "1.152921504606847e+18")] // 2.0**60
    [InlineData(5e-324, "5e-324")]
    [InlineData(1.7976931348623157e308, "1.7976931348623157e+308")]
    [InlineData(1.0 / 3, "0.3333333333333333")]
    [InlineData(0.0, "0.0")]
    public void FloatsPrintAsPythonRepr(double value, string expected) => Assert.Equal(expected, PythonJson.FloatRepr(value));

    [Fact]
    public void ALineMatchesTheEvaluationTrackerByteForByte()
    {
        // ctx = "Question: caf\u00e9?\nAnswer:"; the evaluator's example dict for doc {"id": "x", "gold": 0}, target 0, requests
        // (ctx, " yes"), (ctx, " no"), resps [[(-1.25, False)], [(-7.316553115844727, True)]], filtered the first of each,
        // acc 1.0, acc_norm 0.0; then save_results_samples' gen_args / sanitize_list / str(target), json.dumps(sample, ensure_ascii=False).
        const string ctx = "Question: caf\u00e9?\nAnswer:";
        var sample = new LmEvalLogSample(
            3,
            new JsonObject { ["id"] = "x", ["gold"] = 0 },
            JsonValue.Create(0),
            [[ctx, " yes"], [ctx, " no"]],
            new JsonArray(new JsonArray(new JsonArray(-1.25, false)), new JsonArray(new JsonArray(-7.316553115844727, true))),
            new JsonArray(new JsonArray(-1.25, false), new JsonArray(-7.316553115844727, true)),
            "none",
            [new("acc", 1.0), new("acc_norm", 0.0)]);
        Assert.Equal(
            "{\"doc_id\": 3, \"doc\": {\"id\": \"x\", \"gold\": 0}, \"target\": \"0\", \"arguments\": {\"gen_args_0\": {\"arg_0\": \"Question: caf\u00e9?\\nAnswer:\", \"arg_1\": \" yes\"}, "
            + "\"gen_args_1\": {\"arg_0\": \"Question: caf\u00e9?\\nAnswer:\", \"arg_1\": \" no\"}}, \"resps\": [[[\"-1.25\", \"False\"]], [[\"-7.316553115844727\", \"True\"]]], "
            + "\"filtered_resps\": [[\"-1.25\", \"False\"], [\"-7.316553115844727\", \"True\"]], \"filter\": \"none\", \"metrics\": [\"acc\", \"acc_norm\"], "
            + "\"doc_hash\": \"962212da15ecb05c631bb52758a71e131059d23669642afb2ed554d88c3b9ad8\", "
            + "\"prompt_hash\": \"a3c7069218cf176c6bb5ba057064bd70121f4fbb49c2fb792337283cefea5014\", "
            + "\"target_hash\": \"5feceb66ffc86f38d952786c6d696c79c2dbc239dd4e91b46729d73a27fb57e9\", \"acc\": 1.0, \"acc_norm\": 0.0}",
            LmEvalSamplesWriter.Line(sample));
    }

    [Fact]
    public void WrittenFilesAreReadBackAsOneTask()
    {
        var dir = Path.Combine(Path.GetTempPath(), "muscle-lmeval-writer-" + Guid.NewGuid().ToString("N"));
        try
        {
            LmEvalLogSample Sample(int id, double acc) => new(id, new JsonObject { ["id"] = $"q{id}" }, JsonValue.Create(1),
                [["ctx", " a"], ["ctx", "  bb"]],
                new JsonArray(new JsonArray(new JsonArray(-1.0, false)), new JsonArray(new JsonArray(-2.0, false))),
                new JsonArray(new JsonArray(-1.0, false), new JsonArray(-2.0, false)), "none", [new("acc", acc)]);
            var files = LmEvalSamplesWriter.Write(dir, "jsonl-mc", LmEvalSamplesWriter.MultipleChoice, [Sample(0, 0.0), Sample(1, 1.0)],
                new Dictionary<string, double> { ["acc"] = 0.5 }, new DateTime(2026, 12, 4, 23, 5, 1, 250, DateTimeKind.Local));
            Assert.Equal(["samples_jsonl-mc_2026-12-04T23-05-01.250000.jsonl", "results_2026-12-04T23-05-01.250000.json"], files);
            var run = LmEvalReader.ReadRun(dir);
            var task = Assert.Single(run.Tasks);
            Assert.Equal(("jsonl-mc", LmEvalTask.MultipleChoice), (task.Name, task.OutputType));
            Assert.Equal(["0", "1"], task.Samples.Select(s => s.DocId));
            Assert.Equal([-1.0, -2.0], task.Samples[0].ChoiceLogLikelihoods!);
            Assert.Equal(1.0, task.Samples[1].Metrics["acc"]);
            Assert.Equal([1, 3], task.Samples[0].ChoiceLengths!); // one delimiter off: "  bb" is the choice " bb", as len(choice)
            Assert.Equal(LmEvalSamplesWriter.DocHash(new JsonObject { ["id"] = "q0" }), task.Samples[0].DocHash);
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        }
    }
}
