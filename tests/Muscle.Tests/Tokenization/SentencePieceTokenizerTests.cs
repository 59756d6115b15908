using System.Text.Json.Nodes;
using System.Text.Json;
using System.Text;
using Muscle.Tokenization;

namespace Muscle.Tests.Tokenization;

/// <summary>
/// llama2.c's stories260K tokenizer (tok512.model) against expected_greedy.json, whose text llama2.c's own test
/// suite checks byte for byte.
/// </summary>
public sealed class SentencePieceTokenizerTests : IDisposable
{
    private readonly string _tmp = Directory.CreateTempSubdirectory("muscle-tok-").FullName;

    public void Dispose() => Directory.Delete(_tmp, recursive: true);

    private static string ModelPath => SharedData.Path("models", "stories260K", "tok512.model");

    /// <summary>A directory holding only the tokenizer.json we write for tok512.model, edited.</summary>
    private string WrittenJsonVariant(string name, Action<JsonObject> edit)
    {
        var full = Path.Combine(_tmp, name + "-full");
        MuscleTokenizer.WriteHfFilesForSentencePiece(ModelPath, full, SpecialTokens.FromSentencePieceModel(ModelPath));
        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(full, "tokenizer.json")))!.AsObject();
        edit(json);
        var dir = Path.Combine(_tmp, name);
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "tokenizer.json"), json.ToJsonString());
        return dir;
    }

    private static (int[] Ids, string Text) Expected()
    {
        using var stream = File.OpenRead(SharedData.Path("models", "stories260K", "expected_greedy.json"));
        using var doc = JsonDocument.Parse(stream);
        var ids = doc.RootElement.GetProperty("greedy_ids_200_steps").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        return (ids, doc.RootElement.GetProperty("greedy_text_200_steps_llama2c_test_all_expected").GetString()!);
    }

    [SharedDataFact("models", "stories260K", "tok512.model")]
    public void Special_ids_come_from_the_model_trainer_spec()
    {
        var tok = MuscleTokenizer.FromSentencePieceModel(ModelPath);
        Assert.Equal(512, tok.VocabSize);
        Assert.Equal(1, tok.BosId);
        Assert.Equal(2, tok.EosId);
        Assert.Equal(0, tok.UnkId);
        Assert.Null(tok.PadId);
        Assert.Equal([2], tok.EosIds);
        Assert.True(tok.AddsBos);
        Assert.Equal("<0x0A>", tok.TokenText(13));
        Assert.Null(tok.TokenText(512));
    }

    [SharedDataFact("models", "stories260K", "expected_greedy.json")]
    public void Llama2c_piece_rule_reproduces_the_reference_text()
    {
        var tok = MuscleTokenizer.FromSentencePieceModel(ModelPath);
        var (ids, expected) = Expected();
        var bytes = new List<byte>();
        var previous = tok.BosId!.Value;
        foreach (var id in ids)
        {
            bytes.AddRange(tok.DecodePieceBytes(previous, id));
            previous = id;
        }
        Assert.Equal(expected, Encoding.UTF8.GetString(bytes.ToArray()));
        Assert.Equal("Once", tok.DecodePiece(tok.BosId!.Value, 403));
        Assert.Equal(" Once", tok.DecodePiece(432, 403));
        Assert.Equal("\n", tok.DecodePiece(426, 13));

        var stream = tok.StartTextStream(tok.BosId);
        var streamed = string.Concat(ids.Select(stream.Append)) + stream.Flush();
        Assert.Equal(expected, streamed);
        Assert.Equal(expected, tok.Decode(ids));
        Assert.Equal(expected, tok.Decode(ids.Prepend(tok.BosId!.Value)));
    }

    [SharedDataFact("models", "stories260K", "expected_greedy.json")]
    public void Encoding_the_reference_text_gives_back_the_greedy_ids()
    {
        // The model was trained on SentencePiece-encoded stories, so its greedy output is canonically tokenised:
        // the ids it produced are the ids SentencePiece gives for the decoded text ("\n" is the byte piece 13).
        var tok = MuscleTokenizer.FromSentencePieceModel(ModelPath);
        var (ids, expected) = Expected();
        Assert.Equal(ids, tok.Encode(expected, addBos: false));
        Assert.Equal([tok.BosId!.Value, .. ids], tok.Encode(expected));
        Assert.Equal(expected, tok.Decode(tok.Encode(expected)));
    }

    [SharedDataFact("models", "stories260K", "tok512.model")]
    public void Characters_outside_the_vocabulary_fall_back_to_utf8_bytes()
    {
        var tok = MuscleTokenizer.FromSentencePieceModel(ModelPath);
        var ids = tok.Encode("a 😀", addBos: false);
        // U+1F600 is F0 9F 98 80; byte pieces <0x00>..<0xFF> sit at ids 3..258.
        Assert.Equal([0xF0 + 3, 0x9F + 3, 0x98 + 3, 0x80 + 3], ids.Skip(ids.Count - 4));
        Assert.Equal("a 😀", tok.Decode(ids));
        var stream = tok.StartTextStream();
        var parts = ids.Select(stream.Append).ToList();
        Assert.Equal(["", "", ""], parts.Skip(parts.Count - 4).Take(3));
        Assert.Equal("a 😀", string.Concat(parts) + stream.Flush());
    }

    [SharedDataFact("models", "stories260K", "tok512.model")]
    public void Skipping_special_tokens_is_optional_in_decode()
    {
        var tok = MuscleTokenizer.FromSentencePieceModel(ModelPath);
        var ids = tok.Encode("Once upon a time");
        Assert.Equal(1, ids[0]);
        Assert.Equal("Once upon a time", tok.Decode(ids));
        Assert.Equal("<s>Once upon a time</s>", tok.Decode([.. ids, 2], skipSpecialTokens: false));
        Assert.Equal([], tok.DecodePieceBytes(1, 2));
    }

    [SharedDataFact("models", "stories260K", "expected_greedy.json")]
    public void Written_tokenizer_json_alone_encodes_like_the_model()
    {
        var specials = SpecialTokens.FromSentencePieceModel(ModelPath);
        Assert.Equal(new SpecialTokens("<s>", "</s>", "<unk>"), specials);
        var full = Path.Combine(_tmp, "full");
        MuscleTokenizer.WriteHfFilesForSentencePiece(ModelPath, full, specials);
        Assert.True(File.Exists(Path.Combine(full, "tokenizer.model")));
        Assert.True(File.Exists(Path.Combine(full, "special_tokens_map.json")));
        using (var cfg = JsonDocument.Parse(File.ReadAllText(Path.Combine(full, "tokenizer_config.json"))))
        {
            Assert.Equal("LlamaTokenizer", cfg.RootElement.GetProperty("tokenizer_class").GetString());
            Assert.True(cfg.RootElement.GetProperty("add_bos_token").GetBoolean());
            Assert.False(cfg.RootElement.GetProperty("add_eos_token").GetBoolean());
            Assert.Equal("</s>", cfg.RootElement.GetProperty("eos_token").GetString());
        }

        var jsonOnly = Path.Combine(_tmp, "json-only");
        Directory.CreateDirectory(jsonOnly);
        foreach (var f in new[] { "tokenizer.json", "tokenizer_config.json" })
            File.Copy(Path.Combine(full, f), Path.Combine(jsonOnly, f));

        var reference = MuscleTokenizer.FromSentencePieceModel(ModelPath);
        var fromModelDir = MuscleTokenizer.FromDirectory(full);
        var fromJson = MuscleTokenizer.FromDirectory(jsonOnly);
        Assert.Contains("synthesised", fromJson.Description);
        // As transformers' AutoTokenizer: the tokenizer.json wins over the tokenizer.model beside it.
        Assert.Contains("synthesised", fromModelDir.Description);

        var (_, text) = Expected();
        foreach (var s in (string[])[text, "Tom's dog: \"Zzz!\" 42 é 😀\nend", "x\n\ny", "", .. WhitespaceGolden.Keys])
        {
            var expected = reference.Encode(s);
            Assert.Equal(expected, fromModelDir.Encode(s));
            Assert.Equal(expected, fromJson.Encode(s));
            Assert.Equal(reference.Decode(expected), fromJson.Decode(expected));
        }
        foreach (var t in new[] { reference, fromModelDir, fromJson })
        {
            Assert.Equal((1, 2, 0), (t.BosId, t.EosId, t.UnkId));
            Assert.True(t.AddsBos);
            Assert.Equal(reference.VocabularyFingerprint, t.VocabularyFingerprint);
        }
    }

    /// <summary>
    /// tok512.model has remove_extra_whitespaces on: SentencePiece drops leading/trailing U+0020, collapses runs of
    /// it, and leaves "\t", "\n" and U+3000 alone (Microsoft.ML.Tokenizers 2.0.1 alone turned "a" and "\n" into nothing and
    /// "   " into "▁"). Ids from SentencePiece 0.1.97 (Fixtures/sentencepiece_whitespace.py);
    /// HF tokenizers 0.23.2 gives the same ids from the written tokenizer.json alone (Fixtures/hf_tokenizers_ids.js).
    /// </summary>
    private static readonly Dictionary<string, int[]> WhitespaceGolden = new()
    {
        [" 1234 + 5678 =   6913"] = [410, 475, 479, 472, 484, 410, 496, 410, 480, 490, 491, 487, 410, 64, 410, 490, 483, 475, 472],
        ["  leading"] = [278, 411, 380, 299],
        ["trailing   "] = [259, 420, 412, 290, 299],
        ["a  b   c"] = [261, 268, 280],
        ["   "] = [],
        [" "] = [],
        ["a"] = [261],
        [" a "] = [261],
        ["\n"] = [410, 13],
        [" \n "] = [410, 13],
        ["\tTab  here\t"] = [410, 12, 434, 412, 430, 281, 276, 12],
        ["line one\n  line two  \n"] = [278, 271, 411, 353, 411, 13, 278, 271, 411, 259, 424, 414, 410, 13],
        ["\n\n  x"] = [410, 13, 13, 410, 444],
        ["x \n y"] = [410, 444, 410, 13, 348],
        ["end  \u3000 x"] = [344, 264, 410, 230, 131, 131, 410, 444],
        ["mixed \t  \t tabs"] = [284, 417, 444, 266, 410, 12, 410, 12, 259, 412, 430, 419],
    };

    [SharedDataFact("models", "stories260K", "tok512.model")]
    public void Extra_spaces_are_removed_like_sentencepiece_from_the_model_and_from_the_json_alone()
    {
        var fromModel = MuscleTokenizer.FromSentencePieceModel(ModelPath);
        var fromJson = MuscleTokenizer.FromDirectory(WrittenJsonVariant("as-written", _ => { }));
        foreach (var (text, ids) in WhitespaceGolden)
        {
            Assert.Equal(ids, fromModel.Encode(text, addBos: false));
            Assert.Equal(ids, fromJson.Encode(text, addBos: false));
            Assert.Equal([1, .. ids], fromJson.Encode(text));
        }
    }

    [SharedDataFact("models", "stories260K", "tok512.model")]
    public void Written_normalizer_spells_remove_extra_whitespaces_with_regexes_on_plain_spaces_only()
    {
        var full = Path.Combine(_tmp, "full");
        MuscleTokenizer.WriteHfFilesForSentencePiece(ModelPath, full, SpecialTokens.FromSentencePieceModel(ModelPath));
        var normalizer = JsonNode.Parse(File.ReadAllText(Path.Combine(full, "tokenizer.json")))!["normalizer"]!;
        Assert.Equal("Sequence", (string?)normalizer["type"]);
        Assert.Equal(
            """[{"type":"Replace","pattern":{"Regex":"\\A +"},"content":""},{"type":"Replace","pattern":{"Regex":" +\\z"},"content":""},""" +
            """{"type":"Replace","pattern":{"Regex":" {2,}"},"content":" "},{"type":"Prepend","prepend":"▁"},""" +
            """{"type":"Replace","pattern":{"String":" "},"content":"▁"}]""",
            normalizer["normalizers"]!.ToJsonString(new System.Text.Json.JsonSerializerOptions
            {
                Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
            }));
    }

    private static readonly (string Name, string Normalizers)[] UnreproducibleNormalizers =
    [
        // Only the collapse, without the strips.
        ("collapse-only", """[{"type":"Replace","pattern":{"Regex":" {2,}"},"content":" "},{"type":"Prepend","prepend":"▁"},{"type":"Replace","pattern":{"String":" "},"content":"▁"}]"""),
        // The strips after the dummy prefix: not what SentencePiece does.
        ("late", """[{"type":"Prepend","prepend":"▁"},{"type":"Replace","pattern":{"Regex":"\\A +"},"content":""},{"type":"Replace","pattern":{"Regex":" +\\z"},"content":""},{"type":"Replace","pattern":{"Regex":" {2,}"},"content":" "},{"type":"Replace","pattern":{"String":" "},"content":"▁"}]"""),
        // Line anchors: onig's ^/$ also match at "\n".
        ("line-anchors", """[{"type":"Replace","pattern":{"Regex":"^ +"},"content":""},{"type":"Replace","pattern":{"Regex":" +$"},"content":""},{"type":"Replace","pattern":{"Regex":" {2,}"},"content":" "},{"type":"Prepend","prepend":"▁"},{"type":"Replace","pattern":{"String":" "},"content":"▁"}]"""),
        // HF's Strip removes every Unicode whitespace, "\n" and "\t" too.
        ("strip", """[{"type":"Strip","strip_left":true,"strip_right":true},{"type":"Prepend","prepend":"▁"},{"type":"Replace","pattern":{"String":" "},"content":"▁"}]"""),
    ];

    [SharedDataFact("models", "stories260K", "tok512.model")]
    public void Whitespace_normalizers_other_than_the_written_form_are_refused()
    {
        foreach (var (name, normalizers) in UnreproducibleNormalizers)
        {
            var dir = WrittenJsonVariant(name, json => json["normalizer"]!["normalizers"] = JsonNode.Parse(normalizers));
            var e = Assert.Throws<Muscle.Infrastructure.MuscleInputException>(() => MuscleTokenizer.FromDirectory(dir));
            Assert.Contains("normalizer", e.Message);
        }
    }

    [SharedDataFact("models", "stories260K", "tok512.model")]
    public void Tokenizer_json_is_chosen_over_the_tokenizer_model_beside_it()
    {
        // transformers' LlamaConverter layout (no whitespace removal) beside a model that removes extra spaces: the
        // directory tokenizes as its tokenizer.json says, as AutoTokenizer would.
        var full = Path.Combine(_tmp, "full");
        MuscleTokenizer.WriteHfFilesForSentencePiece(ModelPath, full, SpecialTokens.FromSentencePieceModel(ModelPath));
        var path = Path.Combine(full, "tokenizer.json");
        var json = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        var list = json["normalizer"]!["normalizers"]!.AsArray();
        for (var i = 0; i < 3; i++) list.RemoveAt(0);
        File.WriteAllText(path, json.ToJsonString());

        var tok = MuscleTokenizer.FromDirectory(full);
        var model = MuscleTokenizer.FromSentencePieceModel(ModelPath);
        Assert.Equal(model.Encode("a b"), tok.Encode("a b"));
        Assert.NotEqual(model.Encode(" a  b "), tok.Encode(" a  b "));
        Assert.Equal("a b", model.Decode(model.Encode(" a  b ")));
        Assert.Equal(" a  b ", tok.Decode(tok.Encode(" a  b ")));
    }

    [SharedDataFact("models", "stories260K", "tok512.model")]
    public void Byte_fallback_tokenizer_json_without_template_or_config_names_no_bos()
    {
        var tok = MuscleTokenizer.FromDirectory(WrittenJsonVariant("bare", json => json["post_processor"] = null));
        Assert.Null(tok.BosId);
        Assert.Null(tok.EosId);
        Assert.Equal(0, tok.UnkId);
        Assert.False(tok.AddsBos);
        var reference = MuscleTokenizer.FromSentencePieceModel(ModelPath);
        Assert.Equal(reference.Encode("Once upon a time\n", addBos: false), tok.Encode("Once upon a time\n"));
    }

    [SharedDataFact("models", "stories260K", "tok512.model")]
    public void Metaspace_layout_of_newer_llama_files_is_recognised()
    {
        // transformers with legacy=false writes no normalizer and a Metaspace pre-tokenizer/decoder instead.
        var tok = MuscleTokenizer.FromDirectory(WrittenJsonVariant("metaspace", json =>
        {
            json["normalizer"] = null;
            json["pre_tokenizer"] = JsonNode.Parse("""{ "type": "Metaspace", "replacement": "▁", "prepend_scheme": "first", "split": false }""");
            json["decoder"] = JsonNode.Parse("""{ "type": "Metaspace", "replacement": "▁", "prepend_scheme": "first", "split": false }""");
        }));
        var reference = MuscleTokenizer.FromSentencePieceModel(ModelPath);
        const string text = "Lily's mom said, \"Lily, let's go!\"\nOK é";
        Assert.Equal(reference.Encode(text), tok.Encode(text));
        Assert.Equal(text, tok.Decode(tok.Encode(text)));
    }

    [SharedDataFact("models", "stories260K", "tok512.model")]
    public void A_directory_with_only_tokenizer_model_uses_sentencepiece_defaults()
    {
        var dir = Path.Combine(_tmp, "model-only");
        Directory.CreateDirectory(dir);
        File.Copy(ModelPath, Path.Combine(dir, "tokenizer.model"));
        var tok = MuscleTokenizer.FromDirectory(dir);
        Assert.Equal((1, 2, 0), (tok.BosId, tok.EosId, tok.UnkId));
        Assert.Equal(MuscleTokenizer.FromSentencePieceModel(ModelPath).Encode("Once upon a time"), tok.Encode("Once upon a time"));
    }
}
