using System.Diagnostics;
using System.Text.Json.Nodes;
using Muscle.Tokenization;

namespace Muscle.Tests.Tokenization;

/// <summary>
/// A Split pre-tokenizer regex with nested quantifiers (<c>(a+)+$</c>) used to backtrack for minutes on 41 a's and a
/// "!". Patterns without lookarounds or backreferences now run on .NET's NonBacktracking engine (linear time);
/// the others keep a match timeout, covered by the bad-inputs case generate-tokenizer-regex-catastrophic.
/// </summary>
public sealed class PreTokenizerRegexTests : IDisposable
{
    private static readonly string Fixture = Path.Combine(SharedData.RepoRoot, "tests", "Muscle.Tests", "Tokenization", "Fixtures", "tiny-bytelevel");
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "muscle-pretok-" + Guid.NewGuid().ToString("N"));

    public PreTokenizerRegexTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void A_nested_quantifier_without_lookarounds_runs_in_linear_time()
    {
        // The tiny vocabulary spells e and l; (e+)+$ on 41 e's and an l is the same trap as (a+)+$ on 41 a's and a "!".
        var tokenizer = WithSplit("(e+)+$");
        var text = new string('e', 41) + "l";
        var clock = Stopwatch.StartNew();
        tokenizer.Encode(text, addBos: false);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed}");
    }

    [Fact]
    public void The_same_pieces_come_out_as_with_the_backtracking_engine()
    {
        // No lookaround, so NonBacktracking; the Isolated split must still cut "elle lr" as the backtracking engine does.
        var tokenizer = WithSplit(@"l+|e|\s+");
        var withRegex = tokenizer.Encode("elle lr", addBos: false);
        var pieces = new[] { "e", "ll", "e", " ", "l", "r" }.SelectMany(p => tokenizer.Encode(p, addBos: false)).ToList();
        Assert.Equal(pieces, withRegex);
    }

    private MuscleTokenizer WithSplit(string pattern)
    {
        foreach (var f in Directory.EnumerateFiles(Fixture)) File.Copy(f, Path.Combine(_dir, Path.GetFileName(f)));
        var path = Path.Combine(_dir, "tokenizer.json");
        var json = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        json["pre_tokenizer"] = JsonNode.Parse($$"""
            {"type": "Sequence", "pretokenizers": [
              {"type": "Split", "pattern": {"Regex": {{System.Text.Json.JsonSerializer.Serialize(pattern)}}}, "behavior": "Isolated", "invert": false},
              {"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": false}]}
            """);
        File.WriteAllText(path, json.ToJsonString());
        return MuscleTokenizer.FromDirectory(_dir);
    }
}
