using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Muscle.Cli.Infrastructure;
using Muscle.Tests.Training;

namespace Muscle.Tests.Cli;

/// <summary>
/// <c>muscle eval --log-samples</c> writes lm-eval samples that <c>muscle compare</c> reads back to the same numbers as our
/// own predictions JSONL: two tiny random models (different seeds), one multiple-choice and one generative task.
/// </summary>
public sealed class EvalLogSamplesRoundTripTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("muscle-log-samples-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private static (int Exit, string Out, string Err) Run(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var exit = MuscleApp.Run(args, stdout, stderr);
        return (exit, stdout.ToString(), stderr.ToString());
    }

    private string P(string name) => Path.Combine(_root, name);

    private void Eval(string model, string task, string data, string outPath, string? logDir)
    {
        string[] args = ["eval", "--model", model, "--task", task, "--data", data, "--out", outPath, "--max-new-tokens", "3"];
        if (logDir is not null) args = [.. args, "--log-samples", logDir];
        var (exit, _, stderr) = Run(args);
        Assert.True(exit == 0, stderr);
        if (logDir is not null) Assert.Contains("lm-eval samples written to", stderr);
    }

    /// <summary>compare --json on our predictions and on the two log directories; returns (predictions JSON, lm-eval task JSON).</summary>
    private static (JsonElement Ours, JsonElement LmEval) CompareBoth(string predOld, string predNew, string logOld, string logNew)
    {
        var ours = Run("compare", "--old", predOld, "--new", predNew, "--json");
        Assert.True(ours.Exit == 0, ours.Err);
        var lm = Run("compare", "--old", logOld, "--new", logNew, "--json", "--bootstrap", "0");
        Assert.True(lm.Exit == 0, lm.Err);
        var lmTask = JsonDocument.Parse(lm.Out).RootElement.GetProperty("tasks");
        Assert.Equal(1, lmTask.GetArrayLength());
        return (JsonDocument.Parse(ours.Out).RootElement, lmTask[0]);
    }

    private static void AssertSameNumbers(JsonElement ours, JsonElement lm, string metric)
    {
        Assert.Equal("discrete", lm.GetProperty("kind").GetString());
        Assert.Equal(metric, lm.GetProperty("metric").GetString());
        Assert.Equal(ours.GetProperty("n").GetInt32(), lm.GetProperty("n").GetInt32());
        Assert.Equal(ours.GetProperty("acc_old").GetDouble(), lm.GetProperty("score_old").GetDouble(), 12);
        Assert.Equal(ours.GetProperty("acc_new").GetDouble(), lm.GetProperty("score_new").GetDouble(), 12);
        Assert.Equal(ours.GetProperty("nfr").GetDouble(), lm.GetProperty("nfr").GetDouble(), 12);
        Assert.Equal(ours.GetProperty("pfr").GetDouble(), lm.GetProperty("pfr").GetDouble(), 12);
        Assert.Equal(ours.GetProperty("nfr_mc").GetDouble(), lm.GetProperty("nfr_mc").GetDouble(), 12);
        Assert.Equal(ours.GetProperty("mcnemar_p").GetDouble(), lm.GetProperty("mcnemar_p").GetDouble(), 12);
        // Not a vacuous comparison: the two random models disagree in both directions.
        Assert.True(ours.GetProperty("nfr").GetDouble() > 0, ours.ToString());
        Assert.True(ours.GetProperty("pfr").GetDouble() > 0, ours.ToString());
    }

    [Fact]
    public void MultipleChoiceLogsCompareToTheSameNumbersAsPredictions()
    {
        var a = TinyTaskWorld.CreateModel(P("model-a"), seed: 1);
        var b = TinyTaskWorld.CreateModel(P("model-b"), seed: 2);
        // Random choices of 1–3 letters (the last beginning with a space), so acc_norm's per-character argmax differs from acc's.
        var rng = new Random(3);
        string Letters(int n) => new([.. Enumerable.Range(0, n).Select(_ => rng.Next(2) == 0 ? 'a' : 'b')]);
        var sb = new StringBuilder();
        for (var i = 0; i < 40; i++)
            sb.Append(new JsonObject
            {
                ["id"] = $"q{i}",
                ["context"] = Letters(6) + " ->",
                ["choices"] = new JsonArray(Letters(rng.Next(1, 4)), Letters(rng.Next(1, 4)), " " + Letters(rng.Next(1, 3))),
                ["label"] = rng.Next(3),
            }.ToJsonString()).Append('\n');
        File.WriteAllText(P("mc.jsonl"), sb.ToString());
        var data = P("mc.jsonl");
        Eval(a, "jsonl-mc", data, P("a.jsonl"), P("log-a"));
        Eval(b, "jsonl-mc", data, P("b.jsonl"), P("log-b"));
        var (ours, lm) = CompareBoth(P("a.jsonl"), P("b.jsonl"), P("log-a"), P("log-b"));
        Assert.Equal("multiple_choice", lm.GetProperty("output_type").GetString());
        AssertSameNumbers(ours, lm, "acc");
        Assert.Equal(40, ours.GetProperty("n").GetInt32());

        // acc_norm: our predictions' prediction_norm / correct_norm as a predictions file against --metric acc_norm on the logs.
        string Norm(string file)
        {
            var lines = File.ReadAllLines(P(file)).Select(l => JsonNode.Parse(l)!).Select(n => new JsonObject
            {
                ["id"] = (string)n["id"]!, ["gold"] = (int)n["gold"]!, ["prediction"] = (int)n["prediction_norm"]!,
                ["correct"] = (bool)n["correct_norm"]!,
            }.ToJsonString());
            File.WriteAllLines(P("norm-" + file), lines);
            return P("norm-" + file);
        }
        var oursNorm = Run("compare", "--old", Norm("a.jsonl"), "--new", Norm("b.jsonl"), "--json");
        Assert.True(oursNorm.Exit == 0, oursNorm.Err);
        var lmNorm = Run("compare", "--old", P("log-a"), "--new", P("log-b"), "--json", "--bootstrap", "0", "--metric", "acc_norm");
        Assert.True(lmNorm.Exit == 0, lmNorm.Err);
        var on = JsonDocument.Parse(oursNorm.Out).RootElement;
        var ln = JsonDocument.Parse(lmNorm.Out).RootElement.GetProperty("tasks")[0];
        AssertSameNumbers(on, ln, "acc_norm");
        var predictionsDiffer = File.ReadAllLines(P("a.jsonl")).Select(l => JsonNode.Parse(l)!)
            .Any(n => (int)n["prediction"]! != (int)n["prediction_norm"]!);
        Assert.True(predictionsDiffer, "acc_norm never picks another choice than acc here: the acc_norm check would prove nothing");
    }

    [Fact]
    public void GenerativeLogsCompareToTheSameNumbersAsPredictions()
    {
        var a = TinyTaskWorld.CreateModel(P("model-a"), seed: 1);
        var b = TinyTaskWorld.CreateModel(P("model-b"), seed: 2);
        string Data(string name, Func<int, string> target)
        {
            var sb = new StringBuilder();
            for (var i = 0; i < 24; i++)
                sb.Append(new JsonObject { ["id"] = $"g{i}", ["prompt"] = $"item {i}: {new string('a', i % 5)}{new string('b', i % 3)} =", ["target"] = target(i) }
                    .ToJsonString()).Append('\n');
            File.WriteAllText(P(name), sb.ToString());
            return P(name);
        }
        // First pass: what each model generates. Then targets that each model gets right on a third of the items.
        var probe = Data("probe.jsonl", _ => "unreachable");
        Eval(a, "jsonl-gen", probe, P("probe-a.jsonl"), null);
        Eval(b, "jsonl-gen", probe, P("probe-b.jsonl"), null);
        string[] Predictions(string file) => [.. File.ReadAllLines(file).Select(l => (string)JsonNode.Parse(l)!["prediction"]!)];
        var pa = Predictions(P("probe-a.jsonl"));
        var pb = Predictions(P("probe-b.jsonl"));
        Assert.Contains(Enumerable.Range(0, 24), i => pa[i] != pb[i] && pa[i].Length > 0 && pb[i].Length > 0);
        var data = Data("gen.jsonl", i => (i % 3) switch
        {
            0 when pa[i].Length > 0 => pa[i],
            1 when pb[i].Length > 0 => pb[i],
            _ => "unreachable",
        });

        Eval(a, "jsonl-gen", data, P("a.jsonl"), P("log-a"));
        Eval(b, "jsonl-gen", data, P("b.jsonl"), P("log-b"));
        var (ours, lm) = CompareBoth(P("a.jsonl"), P("b.jsonl"), P("log-a"), P("log-b"));
        Assert.Equal("generate_until", lm.GetProperty("output_type").GetString());
        Assert.Equal("scored", lm.GetProperty("filter").GetString());
        AssertSameNumbers(ours, lm, "exact_match");
    }
}
