using Muscle.Tasks;
using Muscle.Tokenization;
using Muscle.World;

namespace Muscle.Tests.World;

/// <summary>The generated files through the project's own loaders: tokenizer and task readers.</summary>
public sealed class WorldLoaderTests(WorldFixture world) : IClassFixture<WorldFixture>
{
    [Fact]
    public void MuscleTokenizer_encodes_each_domain_to_the_expected_word_level_ids()
    {
        var tok = MuscleTokenizer.FromDirectory(world.Files.TokenizerDirectory);
        var bpe = new ReferenceBpe(world.PathOf("tokenizer/tokenizer.json"));
        int Id(string token) => bpe.Vocab[token];

        Assert.Equal(world.Files.VocabSize, tok.VocabSize);
        Assert.True(tok.AddsBos);
        Assert.False(tok.AddsEos);
        var eot = tok.TokenId("<|endoftext|>")!.Value;
        Assert.Equal(eot, tok.BosId);
        Assert.Equal(eot, tok.EosId);
        Assert.Equal(world.Files.VocabSize - 1, eot);

        // A hand-spelled expectation per domain: one id per word, Ġ + one per digit for numbers.
        var sentiment = world.JsonLines(world.Files.Sentiment.TestFile)[0];
        var context = sentiment.GetProperty("context").GetString()!;
        var words = context["Review: ".Length..^" . sentiment:".Length].Split(' ');
        Assert.Equal([eot, Id("Review"), Id(":"), .. words.Select(w => Id("Ġ" + w)), Id("Ġ."), Id("Ġsentiment"), Id(":"), Id("Ġpositive")],
            tok.Encode(context + " positive"));

        var arithmetic = world.JsonLines(world.Files.Arithmetic.TestFile)[0];
        var answer = arithmetic.GetProperty("answer").GetString()!;
        var expected = new List<int> { Id("Answer"), Id(":") };
        foreach (var w in answer.Split(' '))
            expected.AddRange(char.IsAsciiDigit(w[0]) ? [Id("Ġ"), .. w.Select(d => Id(d.ToString()))] : [Id("Ġ" + w)]);
        Assert.Equal(expected, tok.Encode("Answer: " + answer, addBos: false));

        const string dialogue = "Dialogue: {0}: yes , see you at the {1} .\n{2}: ok";
        using var lex = world.Json(SyntheticWorld.LexiconFile);
        var names = lex.RootElement.GetProperty("names").EnumerateArray().Take(2).Select(n => n.GetString()!).ToList();
        var place = lex.RootElement.GetProperty("places")[0].GetString()!;
        Assert.Equal(
            [Id("Dialogue"), Id(":"), Id("Ġ" + names[0]), Id(":"), Id("Ġyes"), Id("Ġ,"), Id("Ġsee"), Id("Ġyou"), Id("Ġat"), Id("Ġthe"),
                Id("Ġ" + place), Id("Ġ."), Id("Ċ"), Id(names[1]), Id(":"), Id("Ġok")],
            tok.Encode(string.Format(System.Globalization.CultureInfo.InvariantCulture, dialogue, names[0], place, names[1]), addBos: false));

        // And on a corpus sample, the loader agrees with the independent reference encoder id for id.
        foreach (var doc in world.CorpusDocuments().Take(500))
            Assert.Equal(bpe.Encode(doc), tok.Encode(doc, addBos: false));
        Assert.Equal(context + " positive", tok.Decode(tok.Encode(context + " positive")));
    }

    [Fact]
    public void Every_task_file_loads_with_its_registered_reader()
    {
        foreach (var t in world.Files.Tasks)
        {
            var task = TaskRegistry.Get(t.TaskFormat);
            var train = task.Load(world.PathOf(t.TrainFile));
            var test = task.Load(world.PathOf(t.TestFile));
            Assert.Equal(t.TrainCount, train.Count);
            Assert.Equal(t.TestCount, test.Count);
            Assert.Equal(test.Count, test.Select(e => e.Id).Distinct().Count());
        }

        var mc = TaskRegistry.Get("jsonl-mc").Load(world.PathOf(world.Files.Sentiment.TestFile))[0];
        Assert.Equal(TaskKind.MultipleChoice, TaskRegistry.Get("jsonl-mc").Kind);
        Assert.Equal([" negative", " positive"], mc.Choices);
        Assert.EndsWith(". sentiment:", mc.Context);

        var gsm = TaskRegistry.Get("gsm8k");
        var q = gsm.Load(world.PathOf(world.Files.Arithmetic.TestFile))[0];
        Assert.StartsWith("Question: ", q.Context);
        Assert.EndsWith("\nAnswer:", q.Context);
        // The reference answer scores as correct, and its gold is the number after ####.
        var score = gsm.Score(" " + q.Target, q);
        Assert.True(score.Correct);
        Assert.Equal(q.Target![(q.Target!.LastIndexOf("#### ", StringComparison.Ordinal) + 5)..], q.Extra!["gold"]);

        var samsum = TaskRegistry.Get("samsum");
        var d = samsum.Load(world.PathOf(world.Files.Dialogue.TestFile))[0];
        Assert.StartsWith("Dialogue: ", d.Context);
        Assert.EndsWith("\nSummary:", d.Context);
        Assert.Equal(d.Target, samsum.Score(" " + d.Target + "\n\nDialogue: x", d).Prediction);
    }
}
