using Muscle.World;

namespace Muscle.Tests.World;

public sealed class WorldCorpusTests(WorldFixture world) : IClassFixture<WorldFixture>
{
    [Fact]
    public void No_task_item_input_appears_in_the_corpus()
    {
        var corpus = world.Read(SyntheticWorld.CorpusFile);
        void Absent(string text) => Assert.False(corpus.Contains(text, StringComparison.Ordinal), $"corpus contains \"{text}\"");
        var docs = world.CorpusDocuments();
        var reviews = docs.Where(d => d.StartsWith("Review: ", StringComparison.Ordinal))
            .Select(d => d[..(d.IndexOf(" .", StringComparison.Ordinal) + 2)]).ToHashSet();
        var questions = docs.Where(d => d.StartsWith("Question: ", StringComparison.Ordinal))
            .Select(d => d["Question: ".Length..d.IndexOf('\n')]).ToHashSet();
        var dialogues = docs.Where(d => d.StartsWith("Dialogue: ", StringComparison.Ordinal))
            .Select(d => d["Dialogue: ".Length..d.IndexOf("\nSummary: ", StringComparison.Ordinal)]).ToHashSet();
        Assert.All([reviews, questions, dialogues], s => Assert.True(s.Count > 100));

        foreach (var t in new[] { world.Files.Sentiment.TestFile, world.Files.Sentiment.TrainFile })
            foreach (var i in world.JsonLines(t))
            {
                var review = i.GetProperty("context").GetString()![..^" sentiment:".Length];
                Assert.DoesNotContain(review, reviews);
                Absent(review + "\n");
                Absent(review + " sentiment:");
            }
        foreach (var t in new[] { world.Files.Arithmetic.TestFile, world.Files.Arithmetic.TrainFile })
            foreach (var i in world.JsonLines(t))
                Assert.DoesNotContain(i.GetProperty("question").GetString()!, questions);
        foreach (var t in new[] { world.Files.Dialogue.TestFile, world.Files.Dialogue.TrainFile })
        {
            using var d = world.Json(t);
            foreach (var i in d.RootElement.EnumerateArray())
            {
                Assert.DoesNotContain(i.GetProperty("dialogue").GetString()!, dialogues);
                Absent("Dialogue: " + i.GetProperty("dialogue").GetString()! + "\n");
            }
        }
        foreach (var i in world.JsonLines(world.Files.Arithmetic.TestFile))
            Absent("Question: " + i.GetProperty("question").GetString()! + "\n");
    }

    [Fact]
    public void V1_corpus_is_the_first_share_of_the_documents()
    {
        var all = world.CorpusDocuments();
        var v1 = world.CorpusDocuments(SyntheticWorld.CorpusV1File);
        var split = world.Files.CorpusSplit;
        Assert.Equal(split.TotalDocuments, all.Count);
        Assert.Equal(split.V1Documents, v1.Count);
        Assert.Equal(all.Take(v1.Count), v1);
        Assert.InRange(v1.Count / (double)all.Count, 0.29, 0.31);
        Assert.InRange(split.V1Tokens / (double)split.TotalTokens, 0.27, 0.33);
        Assert.InRange(split.TotalTokens, WorldOptions.Quick.CorpusTokens, WorldOptions.Quick.CorpusTokens + 200);
        Assert.All(all, d => Assert.False(string.IsNullOrWhiteSpace(d) || d.Contains("\n\n") || d.StartsWith(' ')));
    }

    [Fact]
    public void Corpus_token_count_matches_the_reference_tokenizer()
    {
        var bpe = new ReferenceBpe(world.PathOf("tokenizer/tokenizer.json"));
        var docs = world.CorpusDocuments();
        Assert.Equal(world.Files.CorpusSplit.TotalTokens, docs.Sum(d => (long)bpe.Encode(d).Count));
    }

    [Fact]
    public void Labelled_reviews_are_thirty_percent_with_ten_percent_noise()
    {
        var rule = world.IndependentRule();
        var reviews = world.CorpusDocuments().Where(d => d.StartsWith("Review: ", StringComparison.Ordinal)).ToList();
        var labelled = reviews.Where(d => d.Contains(" . sentiment: ", StringComparison.Ordinal)).ToList();
        Assert.InRange(labelled.Count / (double)reviews.Count, 0.27, 0.33);

        int wrong = 0, decided = 0;
        foreach (var d in labelled)
        {
            var sum = rule(d["Review: ".Length..d.IndexOf(" . sentiment: ", StringComparison.Ordinal)]);
            if (sum == 0) continue;
            decided++;
            var label = d.EndsWith(" positive", StringComparison.Ordinal) ? 1 : d.EndsWith(" negative", StringComparison.Ordinal) ? 0 : -1;
            Assert.NotEqual(-1, label);
            if (label != (sum > 0 ? 1 : 0)) wrong++;
        }
        Assert.InRange(wrong / (double)decided, 0.07, 0.13);
    }

    [Fact]
    public void Corpus_holds_every_kind_of_document()
    {
        var docs = world.CorpusDocuments();
        var kinds = docs.GroupBy(d => d.Split(':', ' ')[0] switch
        {
            "Review" => "review", "Question" => "arithmetic", "Dialogue" => "dialogue", _ => "generic",
        }).ToDictionary(g => g.Key, g => g.Count() / (double)docs.Count);
        Assert.InRange(kinds["generic"], 0.30, 0.40);
        Assert.InRange(kinds["review"], 0.30, 0.40);
        Assert.InRange(kinds["arithmetic"], 0.12, 0.18);
        Assert.InRange(kinds["dialogue"], 0.12, 0.18);
    }
}
