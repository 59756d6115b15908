using System.Text.Json;
using Muscle.Rouge;

namespace Muscle.Metrics.Tests.Rouge;

/// <summary>
/// Every number in ../shared/data/rouge/expected.json (google-research rouge_score's tests, themselves checked
/// against ROUGE-1.5.5), to the places the file states.
/// </summary>
public class RougeOracleTests
{
    private static JsonElement Load() =>
        JsonDocument.Parse(File.ReadAllText(SharedData.Path("rouge", "expected.json"))).RootElement;

    [SharedDataFact("rouge", "expected.json")]
    public void UnitCasesMatch()
    {
        var checkedCases = 0;
        foreach (var c in Load().GetProperty("unit").EnumerateArray())
        {
            var type = c.GetProperty("type").GetString()!;
            // Without "places", a number is exact to the decimals it is written with (0.333333, 0.5333).
            int? places = c.TryGetProperty("places", out var p) ? p.GetInt32() : null;
            switch (type)
            {
                case "invalid types must raise":
                    foreach (var t in c.GetProperty("values").EnumerateArray())
                    {
                        Assert.False(RougeScorer.IsValidType(t.GetString()!), t.GetString());
                        Assert.Throws<ArgumentException>(() => new RougeScorer(t.GetString()!));
                    }
                    break;
                case "valid types":
                    foreach (var t in c.GetProperty("values").EnumerateArray())
                        Assert.True(RougeScorer.IsValidType(t.GetString()!), t.GetString());
                    break;
                case "lcs_table":
                {
                    var r = Ints(c.GetProperty("ref"));
                    var can = Ints(c.GetProperty("can"));
                    Assert.Equal(c.GetProperty("lcs_length").GetInt32(), RougeScorer.LcsTable(r, can)[r.Count, can.Count]);
                    Assert.Equal(Ints(c.GetProperty("lcs_ref_indices")), RougeScorer.LcsIndices(r, can));
                    break;
                }
                case "union_lcs":
                {
                    var cans = c.GetProperty("cans").EnumerateArray().Select(Ints).ToList();
                    Assert.Equal(Ints(c.GetProperty("union_tokens")), RougeScorer.UnionLcs(Ints(c.GetProperty("ref")), cans));
                    break;
                }
                case "summary_level_lcs":
                {
                    var refs = c.GetProperty("refs").EnumerateArray().Select(Ints).ToList();
                    var cans = c.GetProperty("cans").EnumerateArray().Select(Ints).ToList();
                    AssertScore(c, RougeScorer.SummaryLevelLcs(refs, cans), places, type);
                    break;
                }
                default:
                {
                    var types = type.StartsWith("any(", StringComparison.Ordinal)
                        ? type[4..^1].Split(',')
                        : [type];
                    foreach (var t in types)
                        AssertScore(c, new RougeScorer(t).Score(c.GetProperty("target").GetString()!, c.GetProperty("prediction").GetString()!), places, t);
                    break;
                }
            }
            checkedCases++;
        }
        Assert.Equal(15, checkedCases);
    }

    [SharedDataFact("rouge", "expected.json")]
    public void AgainstRouge155FilesMatch()
    {
        var oracle = Load().GetProperty("against_rouge155");
        var places = oracle.GetProperty("places").GetInt32();
        // readlines() keeps the trailing newline; the tokenizer drops it, so either reading gives the same tokens.
        var targets = File.ReadAllLines(SharedData.Path("rouge", "target.txt"));
        var predictions = File.ReadAllLines(SharedData.Path("rouge", "prediction.txt"));
        var cases = 0;
        foreach (var (key, type, stem) in new[]
                 {
                     ("rouge1", "rouge1", false), ("rouge1_stemmed", "rouge1", true), ("rouge2", "rouge2", false),
                     ("rouge2_stemmed", "rouge2", true), ("rougeL", "rougeL", false),
                 })
        {
            var scorer = new RougeScorer(type, stem);
            foreach (var c in oracle.GetProperty(key).EnumerateArray())
            {
                var line = c.GetProperty("line").GetInt32();
                AssertScore(c, scorer.Score(targets[line], predictions[line]), places, $"{key} line {line}");
                cases++;
            }
        }
        var multi = oracle.GetProperty("rougeLsum_stemmed_multi0");
        var sum = new RougeScorer("rougeLsum", useStemmer: true).Score(
            File.ReadAllText(SharedData.Path("rouge", multi.GetProperty("target_file").GetString()!)),
            File.ReadAllText(SharedData.Path("rouge", multi.GetProperty("prediction_file").GetString()!)));
        AssertScore(multi, sum, places, "rougeLsum stemmed multi");
        Assert.Equal(10, cases);
    }

    [SharedDataFact("rouge", "expected.json")]
    public void StemmingChangesTheStemmedOracleCase()
    {
        // The stemmed and unstemmed expectations differ on line 1, so the oracle really exercises the stemmer.
        var t = File.ReadAllLines(SharedData.Path("rouge", "target.txt"))[1];
        var p = File.ReadAllLines(SharedData.Path("rouge", "prediction.txt"))[1];
        Assert.NotEqual(new RougeScorer("rouge1").Score(t, p).Recall, new RougeScorer("rouge1", true).Score(t, p).Recall);
    }

    private static List<int> Ints(JsonElement e) => e.EnumerateArray().Select(x => x.GetInt32()).ToList();

    private static void AssertScore(JsonElement expected, RougeScore actual, int? places, string what)
    {
        Near(expected.GetProperty("precision"), actual.Precision, places, $"{what} precision");
        Near(expected.GetProperty("recall"), actual.Recall, places, $"{what} recall");
        Near(expected.GetProperty("fmeasure"), actual.FMeasure, places, $"{what} fmeasure");
    }

    private static void Near(JsonElement expected, double actual, int? places, string what)
    {
        var raw = expected.GetRawText();
        var written = raw.Contains('.') ? raw.Length - raw.IndexOf('.') - 1 : 0;
        // Short literals without stated places (1.0, 0.8, 0.4) are exact values, not roundings.
        var tol = places is { } p ? 0.5 * Math.Pow(10, -p) + 1e-12
            : written < 4 ? 1e-9
            : 0.5 * Math.Pow(10, -written) + 1e-12;
        Assert.True(Math.Abs(expected.GetDouble() - actual) <= tol, $"{what}: expected {raw}, got {actual}");
    }
}
