using System.Text.Json.Nodes;
using Muscle.Infrastructure;
using Muscle.Tokenization;

namespace Muscle.Tests.Tokenization;

/// <summary>
/// A hand-built GPT-2 style tokenizer.json (Fixtures/tiny-bytelevel): base symbols ! d e h l o r w Ġ (ids 0–8),
/// thirteen merges in rank order, <c>&lt;|endoftext|&gt;</c> = 22. Every expected id list below was worked out
/// by hand with the BPE rule (repeatedly merge the adjacent pair of lowest merge rank) after GPT-2's regex
/// pre-tokenisation, in the comments next to it — not produced by this code.
/// </summary>
public sealed class ByteLevelBpeTokenizerTests : IDisposable
{
    private static readonly string FixtureDir =
        Path.Combine(SharedData.RepoRoot, "tests", "Muscle.Tests", "Tokenization", "Fixtures", "tiny-bytelevel");

    private readonly string _tmp = Directory.CreateTempSubdirectory("muscle-tok-").FullName;

    public void Dispose() => Directory.Delete(_tmp, recursive: true);

    public static TheoryData<string, int[]> HandDerived => new()
    {
        // h e l l o: "h e"(r0) → he l l o; "l l"(r1) beats "l o"(r2) → he ll o; "he ll"(r5) → hell o; "hell o"(r6) → hello.
        { "hello", [15] },
        // Ġ w o r l d: "Ġ w"(r3) → Ġw o r l d; "o r"(r4) → Ġw or l d; r7, r8, r9 → Ġworld. "!" stays alone (own pre-token).
        { "hello world!", [15, 18, 0] },
        // l o w e r: "l o"(r2) → lo w e r; "e r"(r11) beats "lo w"(r12) → lo w er; → low er (no "low er" merge).
        // Ġ h e l l o: "h e"(r0) beats "Ġ h"(r10) → Ġ he l l o; … → Ġ hello (no "Ġ hello" merge).
        { "lower hello", [21, 20, 8, 15] },
        // The special token is cut out before pre-tokenisation; "world" has no Ġ: w o r l d → w or l d.
        { "hello<|endoftext|>world", [15, 22, 7, 13, 4, 1] },
        // GPT-2's \s+(?!\S) leaves the last space for " world": "hello", " ", " world".
        { "hello  world", [15, 8, 18] },
    };

    private static string CopyFixture(string dir, Action<JsonObject>? editTokenizerJson = null, bool withConfig = false)
    {
        Directory.CreateDirectory(dir);
        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(FixtureDir, "tokenizer.json")))!.AsObject();
        editTokenizerJson?.Invoke(json);
        File.WriteAllText(Path.Combine(dir, "tokenizer.json"), json.ToJsonString());
        if (withConfig) File.Copy(Path.Combine(FixtureDir, "tokenizer_config.json"), Path.Combine(dir, "tokenizer_config.json"));
        return dir;
    }

    [Theory]
    [MemberData(nameof(HandDerived))]
    public void Encodes_hand_derived_ids(string text, int[] expected)
    {
        var tok = MuscleTokenizer.FromDirectory(FixtureDir);
        Assert.Equal(expected, tok.Encode(text));
        Assert.Equal(text, tok.Decode(expected, skipSpecialTokens: false));
    }

    [Theory]
    [MemberData(nameof(HandDerived))]
    public void Merges_as_arrays_give_the_same_ids(string text, int[] expected)
    {
        var dir = CopyFixture(Path.Combine(_tmp, "arrays"), json =>
        {
            var merges = json["model"]!["merges"]!.AsArray();
            var pairs = merges.Select(m => m!.GetValue<string>().Split(' ')).ToList();
            merges.Clear();
            foreach (var p in pairs) merges.Add(new JsonArray(p[0], p[1]));
        });
        Assert.Equal(expected, MuscleTokenizer.FromDirectory(dir).Encode(text));
    }

    [Fact]
    public void Gpt2_config_names_endoftext_but_adds_no_bos()
    {
        var tok = MuscleTokenizer.FromDirectory(FixtureDir);
        Assert.Equal(23, tok.VocabSize);
        Assert.Equal((22, 22, 22), (tok.BosId, tok.EosId, tok.UnkId));
        Assert.Null(tok.PadId);
        Assert.False(tok.AddsBos);
        Assert.Equal([15], tok.Encode("hello", addBos: true));
        Assert.Equal("helloworld", tok.Decode([15, 22, 7, 13, 4, 1]));
        Assert.Equal("Ġworld", tok.TokenText(18));
        Assert.Equal(18, tok.TokenId("Ġworld"));
        Assert.True(tok.IsSpecial(22));
        Assert.False(tok.IsSpecial(15));
    }

    [Fact]
    public void Streaming_pieces_turn_byte_level_symbols_back_into_spaces()
    {
        var tok = MuscleTokenizer.FromDirectory(FixtureDir);
        Assert.Equal(" world", tok.DecodePiece(15, 18));
        // No dummy prefix in GPT-2: a leading space after BOS is real text.
        Assert.Equal(" world", tok.DecodePiece(22, 18));
        Assert.Equal("", tok.DecodePiece(15, 22));
        var stream = tok.StartTextStream();
        Assert.Equal("hello world!", string.Concat(new[] { 15, 18, 0, 22 }.Select(stream.Append)) + stream.Flush());
    }

    [Fact]
    public void Configs_with_object_tokens_eos_list_and_add_bos()
    {
        var dir = CopyFixture(Path.Combine(_tmp, "variant"));
        File.WriteAllText(Path.Combine(dir, "tokenizer_config.json"), """
            {
              "add_bos_token": true,
              "add_eos_token": false,
              "bos_token": { "__type": "AddedToken", "content": "<|endoftext|>", "lstrip": false, "rstrip": false },
              "eos_token": { "content": "<|endoftext|>" },
              "pad_token": null,
              "unk_token": null
            }
            """);
        File.WriteAllText(Path.Combine(dir, "generation_config.json"), """
            { "bos_token_id": 22, "eos_token_id": [0, 22, 0], "pad_token_id": 8, "transformers_version": "4.44.0" }
            """);
        var tok = MuscleTokenizer.FromDirectory(dir);
        Assert.Equal(22, tok.BosId);
        Assert.Equal(22, tok.EosId);
        Assert.Equal([22, 0], tok.EosIds);
        Assert.Equal(8, tok.PadId);
        Assert.Null(tok.UnkId);
        Assert.True(tok.AddsBos);
        Assert.Equal([22, 15], tok.Encode("hello"));
        Assert.Equal([15], tok.Encode("hello", addBos: false));
        Assert.Equal("hello", tok.Decode([22, 15]));
    }

    [Fact]
    public void Generation_config_alone_gives_ids_and_a_single_eos_int()
    {
        var dir = CopyFixture(Path.Combine(_tmp, "gen-only"));
        File.WriteAllText(Path.Combine(dir, "generation_config.json"), """{ "bos_token_id": 22, "eos_token_id": 22 }""");
        var tok = MuscleTokenizer.FromDirectory(dir);
        Assert.Equal((22, 22), (tok.BosId, tok.EosId));
        Assert.Equal([22], tok.EosIds);
        Assert.False(tok.AddsBos);
    }

    [Fact]
    public void Special_ids_outside_the_vocabulary_warn_at_load_and_fail_only_where_emitted()
    {
        // transformers loads such a config with a warning; only prepending the BOS it cannot look up must fail.
        var dir = CopyFixture(Path.Combine(_tmp, "outside"));
        File.WriteAllText(Path.Combine(dir, "tokenizer_config.json"), """{ "add_bos_token": true }""");
        var gc = Path.Combine(dir, "generation_config.json");
        File.WriteAllText(gc, """{ "bos_token_id": 999, "eos_token_id": [22, 998], "pad_token_id": 997 }""");
        var tok = MuscleTokenizer.FromDirectory(dir);
        Assert.Equal(
            [$"{gc}: bos_token_id 999, eos_token_id 998, pad_token_id 997 are outside the vocabulary (23 tokens); loaded anyway, as transformers does"],
            tok.Warnings);
        Assert.Null(tok.BosId);
        Assert.Null(tok.PadId);
        Assert.Equal(22, tok.EosId);
        Assert.Equal([22, 998], tok.EosIds);
        Assert.True(tok.AddsBos);
        Assert.Equal([15], tok.Encode("hello", addBos: false));
        var e = Assert.Throws<MuscleInputException>(() => tok.Encode("hello"));
        Assert.Contains("999", e.Message);
        Assert.Equal(gc, e.File);
    }

    [Fact]
    public void A_name_in_tokenizer_config_keeps_an_outside_id_from_mattering()
    {
        var dir = CopyFixture(Path.Combine(_tmp, "named"), withConfig: true);
        File.WriteAllText(Path.Combine(dir, "generation_config.json"), """{ "bos_token_id": 50256, "eos_token_id": 50256 }""");
        var tok = MuscleTokenizer.FromDirectory(dir);
        Assert.Single(tok.Warnings);
        Assert.Equal((22, 22), (tok.BosId, tok.EosId));
        Assert.Equal([22, 50256], tok.EosIds);
        Assert.Equal([15], tok.Encode("hello"));
    }

    [Fact]
    public void A_split_pattern_that_does_not_cover_the_text_keeps_the_gaps_as_pieces()
    {
        // HF tokenizers' Split (behavior Isolated): "hello!world" with [a-z]+ gives the pieces hello, !, world; the "!"
        // between the matches is a piece of its own, never dropped.
        var dir = CopyFixture(Path.Combine(_tmp, "gaps"), json => json["pre_tokenizer"] = JsonNode.Parse("""
            { "type": "Sequence", "pretokenizers": [
                { "type": "Split", "pattern": { "Regex": "[a-z]+" }, "behavior": "Isolated", "invert": false },
                { "type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": false } ] }
            """));
        var tok = MuscleTokenizer.FromDirectory(dir);
        var ids = tok.Encode("hello!world!", addBos: false);
        Assert.Equal("hello!world!", tok.Decode(ids, skipSpecialTokens: false));
        Assert.Equal([15, 0], ids.Take(2));
    }

    [Fact]
    public void Tokenizer_config_options_that_change_the_ids_are_honoured_or_refused()
    {
        // add_prefix_space in tokenizer_config.json rewrites a fast tokenizer's pre-tokenizer in transformers: refused.
        var dir = CopyFixture(Path.Combine(_tmp, "prefix"));
        File.WriteAllText(Path.Combine(dir, "tokenizer_config.json"), """{ "add_prefix_space": true }""");
        var e = Assert.Throws<MuscleInputException>(() => MuscleTokenizer.FromDirectory(dir));
        Assert.Contains("add_prefix_space = true overrides tokenizer.json's prefix space (off)", e.Message);
        File.WriteAllText(Path.Combine(dir, "tokenizer_config.json"), """{ "add_prefix_space": false }""");
        Assert.Equal([15], MuscleTokenizer.FromDirectory(dir).Encode("hello")); // agrees with the file: fine

        // clean_up_tokenization_spaces: decode drops the space before punctuation, as transformers' clean_up_tokenization.
        File.WriteAllText(Path.Combine(dir, "tokenizer_config.json"), """{ "clean_up_tokenization_spaces": true }""");
        Assert.True(MuscleTokenizer.FromDirectory(dir).CleanUpTokenizationSpaces);
        Assert.False(MuscleTokenizer.FromDirectory(FixtureDir).CleanUpTokenizationSpaces);
        Assert.Equal("Hi, it's done. Isn't it? Yes! I'm sure we're ok, they've said'", MuscleTokenizer.CleanUp(
            "Hi , it 's done . Is n't it ? Yes ! I 'm sure we 're ok , they 've said ' "));
        File.WriteAllText(Path.Combine(dir, "tokenizer_config.json"), """{ "clean_up_tokenization_spaces": "yes" }""");
        Assert.Throws<MuscleInputException>(() => MuscleTokenizer.FromDirectory(dir));
    }

    [SharedDataFact("models", "stories260K", "tok512.model")]
    public void A_non_legacy_sentencepiece_conversion_is_refused_without_tokenizer_json()
    {
        var dir = Path.Combine(_tmp, "legacy");
        Directory.CreateDirectory(dir);
        File.Copy(SharedData.Path("models", "stories260K", "tok512.model"), Path.Combine(dir, "tokenizer.model"));
        File.WriteAllText(Path.Combine(dir, "tokenizer_config.json"), """{ "legacy": false }""");
        var e = Assert.Throws<MuscleInputException>(() => MuscleTokenizer.FromDirectory(dir));
        Assert.Contains("legacy = false", e.Message);
        File.WriteAllText(Path.Combine(dir, "tokenizer_config.json"), """{ "legacy": true }""");
        Assert.NotEmpty(MuscleTokenizer.FromDirectory(dir).Encode("Once upon a time"));
    }

    [SharedDataFact("hf5", "gpt2", "model", "tokenizer.json")]
    public void Hf5_gpt2_tokenizer_loads_with_a_warning_about_its_default_50256()
    {
        // config.json and generation_config.json keep GPT2Config's default bos/eos 50256 under a 700-token vocabulary;
        // the tokenizer itself names <|endoftext|>, id 0 in its tokenizer.json.
        var dir = SharedData.Path("hf5", "gpt2", "model");
        var tok = MuscleTokenizer.FromDirectory(dir);
        Assert.Equal(700, tok.VocabSize);
        var warning = Assert.Single(tok.Warnings);
        Assert.Contains("generation_config.json: bos_token_id 50256, eos_token_id 50256 are outside the vocabulary (700 tokens)", warning);
        Assert.Equal((0, 0), (tok.BosId, tok.EosId));
        Assert.Equal([0, 50256], tok.EosIds);
        Assert.False(tok.AddsBos);
        using var reference = System.Text.Json.JsonDocument.Parse(File.ReadAllText(SharedData.Path("hf5", "reference.json")));
        var promptIds = reference.RootElement.GetProperty("gpt2").GetProperty("prompt_ids").EnumerateArray().Select(e => e.GetInt32());
        Assert.Equal(promptIds, tok.Encode("First Citizen:\nBefore we proceed"));
    }

    [Fact]
    public void Without_configs_no_special_id_is_guessed()
    {
        var tok = MuscleTokenizer.FromDirectory(CopyFixture(Path.Combine(_tmp, "bare")));
        Assert.Null(tok.BosId);
        Assert.Null(tok.EosId);
        Assert.Empty(tok.EosIds);
        Assert.False(tok.AddsBos);
        Assert.Equal([15, 22], tok.Encode("hello<|endoftext|>"));
    }

    [Fact]
    public void Template_post_processor_adds_bos_like_llama3()
    {
        var dir = CopyFixture(Path.Combine(_tmp, "template"), json => json["post_processor"] = JsonNode.Parse("""
            { "type": "Sequence", "processors": [
              { "type": "ByteLevel", "add_prefix_space": true, "trim_offsets": false, "use_regex": true },
              { "type": "TemplateProcessing",
                "single": [ { "SpecialToken": { "id": "<|endoftext|>", "type_id": 0 } }, { "Sequence": { "id": "A", "type_id": 0 } } ],
                "pair": [],
                "special_tokens": { "<|endoftext|>": { "id": "<|endoftext|>", "ids": [22], "tokens": ["<|endoftext|>"] } } } ] }
            """));
        var tok = MuscleTokenizer.FromDirectory(dir);
        Assert.True(tok.AddsBos);
        Assert.Equal([22, 15], tok.Encode("hello"));
    }

    [Fact]
    public void Split_regex_pre_tokenizer_is_used()
    {
        // Splitting on single letters only: every letter is its own pre-token, so no merge can apply.
        var dir = CopyFixture(Path.Combine(_tmp, "split"), json => json["pre_tokenizer"] = JsonNode.Parse("""
            { "type": "Sequence", "pretokenizers": [
              { "type": "Split", "pattern": { "Regex": "\\p{L}|\\s|[^\\s\\p{L}]" }, "behavior": "Isolated", "invert": false },
              { "type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": false } ] }
            """));
        Assert.Equal([3, 2, 4, 4, 5], MuscleTokenizer.FromDirectory(dir).Encode("hello"));
    }

    [Fact]
    public void Ignore_merges_takes_a_pre_token_in_the_vocab_whole()
    {
        // "world" (id 23) is in the vocab but no merge builds it: plain BPE gives w or l d, ignore_merges gives 23.
        // " lower" (Ġlower) is not in the vocab, so it still goes through the merges: Ġ low er.
        void AddWorld(JsonObject json) => json["model"]!["vocab"]!["world"] = 23;
        var plain = MuscleTokenizer.FromDirectory(CopyFixture(Path.Combine(_tmp, "plain"), AddWorld));
        var whole = MuscleTokenizer.FromDirectory(CopyFixture(Path.Combine(_tmp, "whole"), json =>
        {
            AddWorld(json);
            json["model"]!["ignore_merges"] = true;
        }));
        const string text = "hello<|endoftext|>world lower  hello!";
        Assert.Equal([15, 22, 7, 13, 4, 1, 8, 21, 20, 8, 8, 15, 0], plain.Encode(text));
        Assert.Equal([15, 22, 23, 8, 21, 20, 8, 8, 15, 0], whole.Encode(text));
    }

    [Fact]
    public void Fingerprint_tracks_the_vocabulary()
    {
        var a = MuscleTokenizer.FromDirectory(FixtureDir);
        var b = MuscleTokenizer.FromDirectory(CopyFixture(Path.Combine(_tmp, "same")));
        var c = MuscleTokenizer.FromDirectory(CopyFixture(Path.Combine(_tmp, "renamed"),
            json => json["added_tokens"]![0]!["content"] = "<|eos|>"));
        Assert.Matches("^[0-9a-f]{64}$", a.VocabularyFingerprint);
        Assert.Equal(a.VocabularyFingerprint, b.VocabularyFingerprint);
        Assert.NotEqual(a.VocabularyFingerprint, c.VocabularyFingerprint);
    }

    [Fact]
    public void Bad_inputs_name_the_file()
    {
        var unknownName = CopyFixture(Path.Combine(_tmp, "bad-name"));
        File.WriteAllText(Path.Combine(unknownName, "tokenizer_config.json"), """{ "eos_token": "<|nope|>" }""");
        var e1 = Assert.Throws<MuscleInputException>(() => MuscleTokenizer.FromDirectory(unknownName));
        Assert.EndsWith("tokenizer_config.json", e1.File);
        Assert.Contains("<|nope|>", e1.Message);

        // An id outside the vocabulary only warns, naming the file (transformers loads such configs too).
        var badId = CopyFixture(Path.Combine(_tmp, "bad-id"));
        File.WriteAllText(Path.Combine(badId, "generation_config.json"), """{ "eos_token_id": [22, 999] }""");
        Assert.Contains("generation_config.json: eos_token_id 999 is outside", Assert.Single(MuscleTokenizer.FromDirectory(badId).Warnings));

        var broken = Path.Combine(_tmp, "broken");
        Directory.CreateDirectory(broken);
        File.WriteAllText(Path.Combine(broken, "tokenizer.json"), "{\n  \"model\": {\n    \"type\": \"BPE\",,\n");
        var e3 = Assert.Throws<MuscleInputException>(() => MuscleTokenizer.FromDirectory(broken));
        Assert.Equal(3, e3.Line);

        var unigram = CopyFixture(Path.Combine(_tmp, "unigram"), json => json["model"]!["type"] = "Unigram");
        Assert.Contains("Unigram", Assert.Throws<MuscleInputException>(() => MuscleTokenizer.FromDirectory(unigram)).Message);

        Assert.Throws<MuscleInputException>(() => MuscleTokenizer.FromDirectory(Path.Combine(_tmp, "missing")));
        Assert.Throws<MuscleInputException>(() => MuscleTokenizer.FromDirectory(_tmp));
    }
}
