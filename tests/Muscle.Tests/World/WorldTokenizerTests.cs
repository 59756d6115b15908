using System.Text.Json;
using System.Text.RegularExpressions;
using Muscle.World;

namespace Muscle.Tests.World;

public sealed class WorldTokenizerTests(WorldFixture world) : IClassFixture<WorldFixture>
{
    private ReferenceBpe Bpe => new(world.PathOf("tokenizer/tokenizer.json"));

    private List<string> AllWords(out List<string> lineStart)
    {
        using var lex = world.Json(SyntheticWorld.LexiconFile);
        var words = new List<string>();
        foreach (var p in lex.RootElement.EnumerateObject())
        {
            if (p.Value.ValueKind == JsonValueKind.Object) words.AddRange(p.Value.EnumerateObject().Select(x => x.Name));
            else if (p.Name != "keywords") words.AddRange(p.Value.EnumerateArray().Select(x => x.GetString()!));
        }
        lineStart = [.. lex.RootElement.GetProperty("keywords").EnumerateArray().Select(x => x.GetString()!),
            .. lex.RootElement.GetProperty("names").EnumerateArray().Select(x => x.GetString()!)];
        return words;
    }

    [Fact]
    public void Every_word_after_a_space_is_exactly_its_own_single_token()
    {
        var bpe = Bpe;
        var words = AllWords(out _);
        Assert.True(words.Count > 340, $"{words.Count} words");
        foreach (var w in words)
        {
            var ids = bpe.Encode(" " + w);
            Assert.True(ids.Count == 1, $"\" {w}\" → {ids.Count} tokens");
            Assert.Equal(bpe.Vocab["Ġ" + w], ids[0]);
        }
    }

    [Fact]
    public void Keywords_and_names_at_the_start_of_a_line_are_single_tokens()
    {
        var bpe = Bpe;
        AllWords(out var lineStart);
        Assert.Contains("Question", lineStart);
        foreach (var w in lineStart)
        {
            Assert.Equal([bpe.Vocab[w]], bpe.Encode(w));
            Assert.Equal([bpe.Vocab["Ċ"], bpe.Vocab[w]], bpe.Encode("\n" + w));
        }
    }

    [Fact]
    public void Every_digit_is_its_own_token_and_no_merge_touches_a_digit()
    {
        var bpe = Bpe;
        Assert.Equal([bpe.Vocab["Ġ"], bpe.Vocab["4"], bpe.Vocab["2"]], bpe.Encode(" 42"));
        Assert.Equal([bpe.Vocab["Ġ####"], bpe.Vocab["Ġ"], bpe.Vocab["1"], bpe.Vocab["0"], bpe.Vocab["7"]], bpe.Encode(" #### 107"));
        Assert.DoesNotContain(bpe.MergeStrings, m => m.Any(char.IsAsciiDigit));
    }

    [Fact]
    public void Prompts_split_into_one_token_per_word_symbol_digit_colon_and_newline()
    {
        var bpe = Bpe;
        var texts = new List<string>();
        foreach (var e in world.JsonLines(world.Files.Sentiment.TestFile))
            texts.Add(e.GetProperty("context").GetString()! + " " + e.GetProperty("choices")[e.GetProperty("label").GetInt32()].GetString());
        foreach (var e in world.JsonLines(world.Files.Arithmetic.TestFile))
            texts.Add($"Question: {e.GetProperty("question").GetString()}\nAnswer: {e.GetProperty("answer").GetString()}");
        using (var d = world.Json(world.Files.Dialogue.TestFile))
            foreach (var e in d.RootElement.EnumerateArray())
                texts.Add($"Dialogue: {e.GetProperty("dialogue").GetString()}\nSummary: {e.GetProperty("summary").GetString()}");
        texts.AddRange(world.CorpusDocuments().Take(3000));

        foreach (var text in texts)
        {
            // Expected count from the text alone: a word or symbol group is one token, a number one per digit
            // plus one for its space, ':' and '\n' one each.
            var expected = Regex.Matches(text, @" ?[0-9]+| ?[^\s0-9:]+|:|\n").Sum(m =>
                char.IsAsciiDigit(m.Value[^1]) ? m.Value.Count(char.IsAsciiDigit) + (m.Value[0] == ' ' ? 1 : 0) : 1);
            Assert.True(expected == bpe.Encode(text).Count, $"token count of \"{text}\"");
        }
    }

    [Fact]
    public void Vocabulary_is_small_and_dense_with_endoftext_special()
    {
        using var doc = world.Json("tokenizer/tokenizer.json");
        var root = doc.RootElement;
        var vocab = root.GetProperty("model").GetProperty("vocab").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt32());
        var added = root.GetProperty("added_tokens")[0];
        Assert.Equal("<|endoftext|>", added.GetProperty("content").GetString());
        Assert.True(added.GetProperty("special").GetBoolean());
        var ids = vocab.Values.Append(added.GetProperty("id").GetInt32()).Order().ToList();
        Assert.Equal(Enumerable.Range(0, ids.Count), ids);
        Assert.InRange(ids.Count, 600, 1999);
        Assert.Equal(world.Files.VocabSize, ids.Count);
        // GPT-2's byte order, as in its vocab.json: "!" is 0, "Ġ" (space) is 220, "Ċ" (newline) is 198.
        Assert.Equal(0, vocab["!"]);
        Assert.Equal(220, vocab["Ġ"]);
        Assert.Equal(198, vocab["Ċ"]);
        Assert.False(root.GetProperty("model").GetProperty("byte_fallback").GetBoolean());
        Assert.Equal("ByteLevel", root.GetProperty("decoder").GetProperty("type").GetString());
        Assert.InRange(world.Files.WordTypes, 340, 600);

        using var config = world.Json("tokenizer/tokenizer_config.json");
        Assert.Equal("<|endoftext|>", config.RootElement.GetProperty("bos_token").GetString());
        Assert.Equal("<|endoftext|>", config.RootElement.GetProperty("eos_token").GetString());
        Assert.True(config.RootElement.GetProperty("add_bos_token").GetBoolean());
        using var map = world.Json("tokenizer/special_tokens_map.json");
        Assert.Equal("<|endoftext|>", map.RootElement.GetProperty("eos_token").GetString());
    }
}
