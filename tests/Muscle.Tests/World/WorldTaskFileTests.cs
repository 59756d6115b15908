using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Muscle.World;

namespace Muscle.Tests.World;

public sealed partial class WorldTaskFileTests(WorldFixture world) : IClassFixture<WorldFixture>
{
    [Fact]
    public void Sentiment_files_are_jsonl_mc_with_the_rule_label_behind_each_item()
    {
        var rule = world.IndependentRule();
        foreach (var (file, count) in new[] { (world.Files.Sentiment.TrainFile, 500), (world.Files.Sentiment.TestFile, 250) })
        {
            var items = world.JsonLines(file);
            Assert.Equal(count, items.Count);
            Assert.Equal(count, items.Select(i => i.GetProperty("id").GetString()).Distinct().Count());
            int agree = 0, decided = 0;
            foreach (var i in items)
            {
                Assert.Equal(["id", "context", "choices", "label"], i.EnumerateObject().Select(p => p.Name));
                Assert.Equal(["negative", "positive"], i.GetProperty("choices").EnumerateArray().Select(c => c.GetString()));
                var m = ContextRegex().Match(i.GetProperty("context").GetString()!);
                Assert.True(m.Success, i.GetProperty("context").GetString());
                var sum = rule(m.Groups[1].Value);
                if (sum == 0) continue;
                decided++;
                if ((sum > 0 ? 1 : 0) == i.GetProperty("label").GetInt32()) agree++;
            }
            // 12 % label noise (±2 standard errors at these sizes).
            Assert.InRange(agree / (double)decided, 0.83, 0.93);
            Assert.InRange(decided / (double)count, 0.89, 0.97);
        }
    }

    [Fact]
    public void Arithmetic_answers_are_correct_worked_steps_ending_in_the_result()
    {
        foreach (var (file, count) in new[] { (world.Files.Arithmetic.TrainFile, 375), (world.Files.Arithmetic.TestFile, 75) })
        {
            var items = world.JsonLines(file);
            Assert.Equal(count, items.Count);
            foreach (var i in items)
            {
                Assert.Equal(["id", "question", "answer"], i.EnumerateObject().Select(p => p.Name));
                var question = i.GetProperty("question").GetString()!;
                var answer = i.GetProperty("answer").GetString()!;
                Assert.EndsWith("?", question);
                var steps = StepRegex().Matches(answer);
                Assert.InRange(steps.Count, 1, 3);
                int last = 0;
                foreach (Match s in steps)
                {
                    var (x, y, r) = (Int(s.Groups[1]), Int(s.Groups[3]), Int(s.Groups[4]));
                    Assert.Equal(s.Groups[2].Value switch { "+" => x + y, "-" => x - y, _ => x * y }, r);
                    last = r;
                }
                var final = FinalRegex().Match(answer);
                Assert.True(final.Success, answer);
                Assert.Equal(last, Int(final.Groups[1]));
                // The first operand is stated in the question.
                Assert.Contains(" " + steps[0].Groups[1].Value + " ", question);
            }
        }
    }

    [Fact]
    public void Dialogue_files_are_samsum_json_arrays_with_rule_summaries()
    {
        var roughDiffers = 0;
        foreach (var (file, count) in new[] { (world.Files.Dialogue.TrainFile, 375), (world.Files.Dialogue.TestFile, 75) })
        {
            using var doc = world.Json(file);
            Assert.Equal(JsonValueKind.Array, doc.RootElement.ValueKind);
            Assert.Equal(count, doc.RootElement.GetArrayLength());
            var summaries = new HashSet<string>();
            foreach (var i in doc.RootElement.EnumerateArray())
            {
                Assert.Equal(["id", "dialogue", "summary"], i.EnumerateObject().Select(p => p.Name));
                var turns = i.GetProperty("dialogue").GetString()!.Split('\n');
                Assert.InRange(turns.Length, 2, 4);
                var speakers = turns.Select(t => TurnRegex().Match(t)).ToList();
                Assert.All(speakers, s => Assert.True(s.Success));
                var names = speakers.Select(s => s.Groups[1].Value).Distinct().ToList();
                Assert.Equal(2, names.Count);
                var summary = i.GetProperty("summary").GetString()!;
                Assert.All(names, n => Assert.Contains(n, summary));
                Assert.DoesNotContain("\n", summary);
                summaries.Add(Regex.Replace(summary, "[A-Z][a-z]+", "N"));
            }
            roughDiffers += summaries.Count;
        }
        Assert.True(roughDiffers > 6, "paraphrase variation");
    }

    [Fact]
    public void Test_inputs_are_not_training_inputs()
    {
        static HashSet<string> Keys(IEnumerable<JsonElement> items, string field) =>
            [.. items.Select(i => i.GetProperty(field).GetString()!)];
        Assert.Empty(Keys(world.JsonLines(world.Files.Sentiment.TestFile), "context")
            .Intersect(Keys(world.JsonLines(world.Files.Sentiment.TrainFile), "context")));
        Assert.Empty(Keys(world.JsonLines(world.Files.Arithmetic.TestFile), "question")
            .Intersect(Keys(world.JsonLines(world.Files.Arithmetic.TrainFile), "question")));
        using var test = world.Json(world.Files.Dialogue.TestFile);
        using var train = world.Json(world.Files.Dialogue.TrainFile);
        Assert.Empty(Keys(test.RootElement.EnumerateArray(), "dialogue").Intersect(Keys(train.RootElement.EnumerateArray(), "dialogue")));
    }

    [Fact]
    public void Manifest_and_readme_describe_the_files()
    {
        using var m = world.Json(SyntheticWorld.ManifestFile);
        var root = m.RootElement;
        Assert.Equal(SyntheticWorld.GeneratorVersion, root.GetProperty("generator_version").GetInt32());
        Assert.Equal(1, root.GetProperty("seed").GetInt64());
        foreach (var t in world.Files.Tasks)
        {
            var task = root.GetProperty("tasks").GetProperty(t.Name);
            Assert.Equal(t.TaskFormat, task.GetProperty("task").GetString());
            Assert.True(File.Exists(world.PathOf(task.GetProperty("train").GetString()!)));
            Assert.True(File.Exists(world.PathOf(task.GetProperty("test").GetString()!)));
        }
        var split = root.GetProperty("corpus_split");
        Assert.Equal(world.Files.CorpusSplit.TotalTokens, split.GetProperty("total_tokens").GetInt64());
        var readme = world.Read(SyntheticWorld.ReadmeFile);
        Assert.Contains("negator flips", readme);
        Assert.Contains(world.Files.CorpusSplit.TotalDocuments.ToString(CultureInfo.InvariantCulture), readme);
        Assert.DoesNotContain("\r", readme);
    }

    private static int Int(Group g) => int.Parse(g.Value, CultureInfo.InvariantCulture);

    [GeneratedRegex(@"^Review: ([a-z ]+) \. sentiment:$")]
    private static partial Regex ContextRegex();

    [GeneratedRegex(@"(\d+) ([-+*]) (\d+) = (\d+) \.")]
    private static partial Regex StepRegex();

    [GeneratedRegex(@" #### (\d+)$")]
    private static partial Regex FinalRegex();

    [GeneratedRegex(@"^([A-Z][a-z]+): [a-z ,.?]+$")]
    private static partial Regex TurnRegex();
}
