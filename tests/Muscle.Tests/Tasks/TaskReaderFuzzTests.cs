using System.Diagnostics;
using System.Text;
using Muscle.Infrastructure;
using Muscle.Tasks;

namespace Muscle.Tests.Tasks;

/// <summary>
/// Bounded fuzzing with fixed seeds: 2,000 mutated records (MUSCLE_FUZZ_ITERATIONS for more) (JSONL lines, or whole small CSV/TSV/JSON files) through each reader. Whatever the input, a reader either
/// returns well-formed examples or throws a MuscleInputException with a file and a line, never anything else.
/// </summary>
public sealed class TaskReaderFuzzTests
{
    private static readonly int Lines = Fuzz.Iterations(2000); // MUSCLE_FUZZ_ITERATIONS scales it, as every fuzz test

    private static readonly string[] Tokens =
        ["null", "-1", "2", "99999999999", "1e400", "\"x\"", "[]", "{}", "[\"a\"]", "\"\\ud800\"", "true", "\"", ",", "\n", "\r\n", "\t", "#### 5", "[title]", "\"\""];

    private const string Noise = "\"{}[],:\\\n\r\t 019az#$.-\u0000\u00e9\u2028\ufeff";

    public static TheoryData<string, string, string> Readers() => new()
    {
        { "hellaswag", "h.jsonl", "{\"ind\": 1, \"activity_label\": \"Fold [x]\", \"ctx_a\": \"A [title] b.\", \"ctx_b\": \"the\", \"endings\": [\"a\", \"b\", \"c\", \"d\"], \"label\": 3}" },
        { "piqa", "p.jsonl", "{\"goal\": \"g\", \"sol1\": \"a\", \"sol2\": \"b\"}" },
        { "arc_easy", "a.jsonl", "{\"query\": \"Question: q\", \"choices\": [\"a\", \"b\", \"c\", \"d\"], \"gold\": 2}" },
        { "boolq", "b.jsonl", "{\"query\": \"Passage: p\\nQuestion: q?\", \"choices\": [\"no\", \"yes\"], \"gold\": 1}" },
        { "copa", "c.jsonl", "{\"query\": \"It rained, because\", \"choices\": [\"a.\", \"b.\"], \"gold\": 0}" },
        { "winogrande", "w.jsonl", "{\"context_options\": [\"A so A\", \"A so B\"], \"continuation\": \"won.\", \"gold\": 1}" },
        { "sst2", "s.tsv", "sentence\tlabel\ngood film . \t1\nbad . \t0" },
        { "jsonl-mc", "m.jsonl", "{\"id\": \"q\", \"context\": \"c\", \"choices\": [\"a\", \"b\"], \"label\": 1}" },
        { "gsm8k", "g.jsonl", "{\"question\": \"q\", \"answer\": \"a\\n#### 1,000\"}" },
        { "samsum", "s.csv", "id,dialogue,summary\n1,\"A: \"\"hi\"\"\nB: yo\",\"They, greet.\"\n2,x,y" },
        { "samsum", "s.json", "[\n{\"id\": \"1\", \"dialogue\": \"A: hi\\nB: yo\", \"summary\": \"s\"},\n{\"id\": 2, \"dialogue\": \"d\", \"summary\": \"s\"}\n]" },
        { "samsum", "s.jsonl", "{\"id\": \"1\", \"dialogue\": \"A: hi\\nB: yo\", \"summary\": \"s\"}" },
        { "jsonl-gen", "j.jsonl", "{\"prompt\": \"p\", \"target\": \"t\"}" },
    };

    [Theory]
    [MemberData(nameof(Readers))]
    public void Only_input_errors_escape(string taskName, string fileName, string valid)
    {
        var task = TaskRegistry.Get(taskName);
        using var files = new TaskFiles();
        var random = new Random(HashCode(taskName + fileName));
        var watch = Stopwatch.StartNew();
        int accepted = 0, rejected = 0;
        for (var fed = 0; fed < Lines;)
        {
            var records = fileName.EndsWith(".jsonl", StringComparison.Ordinal) ? random.Next(1, 4) : 1;
            fed += records;
            var content = Mutate(random, valid, records);
            var path = files.Write(fileName, content);
            string? labels = null;
            if (task.TakesLabelsFile)
                labels = files.Write("labels.lst", random.Next(4) == 0 ? Mutate(random, "0\n1\n", 1) : string.Concat(Enumerable.Repeat("1\n", content.Split('\n').Length)));
            try
            {
                var examples = task.Load(path, labels);
                Assert.NotEmpty(examples);
                foreach (var ex in examples) CheckWellFormed(task, ex);
                accepted++;
            }
            catch (MuscleInputException e)
            {
                Assert.NotNull(e.File);
                Assert.True(e.Line is >= 1, $"no line in: {e.OneLine()}");
                rejected++;
            }
            catch (Exception e)
            {
                Assert.Fail($"{taskName}: {e.GetType().Name}: {e.Message}\ninput: {Escape(content)}");
            }
        }
        Assert.True(accepted > 0 && rejected > 0, $"fuzzing must exercise both paths: {accepted} accepted, {rejected} rejected");
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(20.0 * Lines / 2000), $"{taskName} took {watch.Elapsed}"); // the CI bound, scaled
    }

    private static void CheckWellFormed(ITaskDefinition task, TaskExample ex)
    {
        Assert.NotNull(ex.Id);
        var training = task.TrainingText(ex);
        Assert.NotNull(training.Full);
        if (task.Kind == TaskKind.MultipleChoice)
        {
            Assert.InRange(ex.Gold!.Value, 0, ex.Choices.Count - 1);
            Assert.All(ex.Choices, c => Assert.StartsWith(TaskExample.TargetDelimiter, c));
        }
        else
        {
            Assert.NotNull(ex.Target);
            Assert.NotNull(task.Score(ex.Target + "\n\n#### 5", ex).Prediction);
        }
    }

    private static string Mutate(Random random, string valid, int lines)
    {
        var sb = new StringBuilder();
        for (var l = 0; l < lines; l++)
        {
            var text = valid;
            var edits = random.Next(0, 4); // 0: keep this line valid
            for (var e = 0; e < edits; e++)
            {
                var at = random.Next(text.Length + 1);
                text = random.Next(5) switch
                {
                    0 => text.Remove(Math.Min(at, text.Length - 1), Math.Min(random.Next(1, 6), text.Length - Math.Min(at, text.Length - 1))),
                    1 => text.Insert(at, Tokens[random.Next(Tokens.Length)]),
                    2 => text.Insert(at, Noise[random.Next(Noise.Length)].ToString()),
                    3 => text[..at],
                    _ => at < text.Length ? text.Remove(at, 1).Insert(at, Noise[random.Next(Noise.Length)].ToString()) : text,
                };
                if (text.Length == 0) text = Tokens[random.Next(Tokens.Length)];
            }
            sb.Append(text).Append('\n');
        }
        return sb.ToString();
    }

    // string.GetHashCode is randomised per process; the seed must not be.
    private static int HashCode(string s)
    {
        var h = 17;
        foreach (var c in s) h = unchecked(h * 31 + c);
        return h;
    }

    private static string Escape(string s) => s.Replace("\n", "\\n").Replace("\r", "\\r").Replace("\t", "\\t");
}
