using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Muscle.World;

namespace Muscle.Tests.World;

/// <summary>One Quick world per test class, generated into a temporary directory and deleted afterwards.</summary>
public sealed class WorldFixture : IDisposable
{
    public WorldFixture()
    {
        Root = Path.Combine(Path.GetTempPath(), "muscle-world-" + Guid.NewGuid().ToString("N"));
        Files = SyntheticWorld.Generate(WorldOptions.Quick, Path.Combine(Root, "world"));
    }

    public string Root { get; }
    public WorldFiles Files { get; }

    public string PathOf(string relative) => Path.Combine(Files.Directory, relative);

    public string Read(string relative) => File.ReadAllText(PathOf(relative));

    public JsonDocument Json(string relative) => JsonDocument.Parse(File.ReadAllBytes(PathOf(relative)));

    /// <summary>Every non-empty line of a jsonl file, parsed.</summary>
    public List<JsonElement> JsonLines(string relative) =>
        [.. File.ReadAllLines(PathOf(relative)).Where(l => l.Length > 0).Select(l => JsonDocument.Parse(l).RootElement.Clone())];

    public List<string> CorpusDocuments(string relative = SyntheticWorld.CorpusFile) =>
        [.. Read(relative).TrimEnd('\n').Split("\n\n")];

    /// <summary>
    /// The sentiment rule re-implemented from the README's words over lexicon.json, independently of
    /// SentimentRules: a negator flips, an intensifier doubles the next polar word; returns the weighted sum.
    /// </summary>
    public Func<string, int> IndependentRule()
    {
        using var lex = Json(SyntheticWorld.LexiconFile);
        var root = lex.RootElement;
        var polarity = root.GetProperty("polarity").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt32());
        var negators = root.GetProperty("negators").EnumerateArray().Select(x => x.GetString()).ToHashSet();
        var intensifiers = root.GetProperty("intensifiers").EnumerateArray().Select(x => x.GetString()).ToHashSet();
        return body =>
        {
            int sum = 0, sign = 1, factor = 1;
            foreach (var w in body.Split(' '))
            {
                if (polarity.TryGetValue(w, out var p)) { sum += sign * factor * p; (sign, factor) = (1, 1); }
                else if (negators.Contains(w)) sign = -sign;
                else if (intensifiers.Contains(w)) factor *= 2;
            }
            return sum;
        };
    }

    public string NewDirectory() => Path.Combine(Root, Guid.NewGuid().ToString("N"));

    /// <summary>SHA-256 over every file of a world directory: relative path, NUL, bytes, in ordinal path order.</summary>
    public static string TreeHash(string dir)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var file in Directory.GetFiles(dir, "*", SearchOption.AllDirectories)
                     .Select(f => Path.GetRelativePath(dir, f).Replace('\\', '/')).Order(StringComparer.Ordinal))
        {
            sha.AppendData(Encoding.UTF8.GetBytes(file + "\0"));
            sha.AppendData(File.ReadAllBytes(Path.Combine(dir, file)));
        }
        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }

    public void Dispose()
    {
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { }
    }
}
