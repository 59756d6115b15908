using Muscle.Cli.Infrastructure;

namespace Muscle.Tests.Tasks;

/// <summary><c>muscle data inspect</c> run in-process through the composition root.</summary>
public sealed class DataInspectCommandTests
{
    private static (int Exit, string Out, string Err) Run(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var exit = MuscleApp.Run(args, stdout, stderr);
        return (exit, stdout.ToString().ReplaceLineEndings("\n"), stderr.ToString().ReplaceLineEndings("\n"));
    }

    [Fact]
    public void Prints_count_then_the_first_example_exactly()
    {
        using var files = new TaskFiles();
        var path = files.Write("m.jsonl",
            "{\"id\": \"q1\", \"context\": \"Q: 2+2?\\nA:\", \"choices\": [\"3\", \"4 \"], \"label\": 1}\n{\"context\": \"c\", \"choices\": [\"x\", \"y\"], \"label\": 0}\n");
        var (exit, output, err) = Run("data", "inspect", "--task", "jsonl-mc", "--path", path);
        Assert.Equal((0, ""), (exit, err));
        Assert.Equal(
            """
            count: 2
            task: jsonl-mc (multiple choice)
            first example: id "q1"
            context: "Q: 2+2?\nA:"
            choice 0: " 3"
            choice 1: " 4 "  <- gold
            scoring: sum of log p(continuation | context); acc, acc_norm (by characters)
            ----- training text (context then answer), raw, 13 characters -----
            Q: 2+2?
            A: 4 
            ----- end -----

            """, output);
    }

    [Fact]
    public void Generative_task_shows_prompt_target_and_generation_settings()
    {
        using var files = new TaskFiles();
        var path = files.Write("g.jsonl", "{\"question\": \"How many?\", \"answer\": \"Two.\\n#### 2\"}\n");
        var (exit, output, _) = Run("data", "inspect", "--task", "gsm8k", "--path", path);
        Assert.Equal(0, exit);
        Assert.Contains("count: 1\n", output);
        Assert.Contains("prompt: \"Question: How many?\\nAnswer:\"\n", output);
        Assert.Contains("target: \"Two.\\n#### 2\"\ngold: \"2\"\n", output);
        Assert.Contains("generation: stop at [\"Question:\", \"</s>\", \"<|im_end|>\"], max 256 new tokens, no-repeat-ngram 0, metric exact_match\n", output);
        Assert.EndsWith("-----\nQuestion: How many?\nAnswer: Two.\n#### 2\n----- end -----\n", output);
    }

    [SharedDataFact("benchmarks", "piqa", "valid.jsonl")]
    public void Piqa_with_labels_on_the_shared_file()
    {
        var (exit, output, _) = Run("data", "inspect", "--task", "piqa",
            "--path", SharedData.Path("benchmarks", "piqa", "valid.jsonl"), "--labels", SharedData.Path("benchmarks", "piqa", "valid-labels.lst"));
        Assert.Equal(0, exit);
        Assert.StartsWith("count: 1838\n", output);
        Assert.Contains("context: \"Question: How do I ready a guinea pig cage for it's new occupants?\\nAnswer:\"\n", output);
    }

    [Fact]
    public void Unknown_task_is_exit_2_and_one_line()
    {
        using var files = new TaskFiles();
        var path = files.Write("x.jsonl", "{}\n");
        var (exit, output, err) = Run("data", "inspect", "--task", "hellaswagg", "--path", path);
        Assert.Equal((2, ""), (exit, output));
        Assert.Equal("error: unknown task 'hellaswagg'; known tasks: arc_challenge, arc_easy, boolq, copa, gsm8k, hellaswag, jsonl-gen, jsonl-mc, piqa, samsum, sst2, winogrande\n", err);
    }

    [Fact]
    public void Bad_file_is_exit_2_and_one_line_with_file_and_line()
    {
        using var files = new TaskFiles();
        var path = files.Write("bad.jsonl", "{\"prompt\": \"p\", \"target\": \"t\"}\n{\"prompt\": \"p\"\n");
        var (exit, _, err) = Run("data", "inspect", "--task", "jsonl-gen", "--path", path);
        Assert.Equal(2, exit);
        Assert.Single(err.TrimEnd('\n').Split('\n'));
        Assert.StartsWith("error: malformed JSON line:", err);
        Assert.EndsWith($"({path}:2)\n", err);

        var labels = files.Write("l.lst", "0\n");
        var piqa = files.Write("p.jsonl", "{\"goal\": \"g\", \"sol1\": \"a\", \"sol2\": \"b\"}\n{\"goal\": \"g\", \"sol1\": \"a\", \"sol2\": \"b\"}\n");
        (exit, _, err) = Run("data", "inspect", "--task", "piqa", "--path", piqa, "--labels", labels);
        Assert.Equal(2, exit);
        Assert.Equal($"error: labels file has 1 labels but the data file {piqa} has 2 records ({labels}:2)\n", err);
    }

    [Fact]
    public void Missing_required_option_is_exit_2()
    {
        var (exit, _, err) = Run("data", "inspect", "--task", "piqa");
        Assert.Equal(2, exit);
        Assert.Contains("--path", err);
    }
}
