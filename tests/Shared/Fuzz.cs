using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using Muscle.Infrastructure;

namespace Muscle.Testing;

/// <summary>
/// Bounded fuzzing of input readers with fixed seeds: random and mutated texts go through a reader, and
/// the only exception allowed out is <see cref="MuscleInputException"/>. The iteration count comes from
/// MUSCLE_FUZZ_ITERATIONS when set (for the long runs), else the small CI default.
/// </summary>
public static class Fuzz
{
    /// <summary>JSON values and fragments that break types, ranges and syntax.</summary>
    public static readonly string[] Tokens =
    [
        "null", "-1", "0", "1", "2", "1.5", "1e400", "-1e400", "99999999999", "9223372036854775808", "true", "false",
        "\"\"", "\"x\"", "\"\\ud800\"", "\"\\u0000\"", "[]", "{}", "[1]", "[\"a\"]", "{\"a\":1}", "\"", ",", ":", "{", "}",
        "[", "]", "\n", "\t", "ä名", new string('[', 70) + new string(']', 70),
    ];

    // No lone surrogate: a reader only sees text decoded from UTF-8, where invalid bytes become U+FFFD.
    private const string Noise = "\"{}[],:\\\n\r\t 019az#$.-\u0000\u00e9\u2028\ufeff\ufffd";

    public static int Iterations(int ciDefault) =>
        int.TryParse(Environment.GetEnvironmentVariable("MUSCLE_FUZZ_ITERATIONS"), out var n) && n > 0 ? n : ciDefault;

    /// <summary>
    /// Feeds <paramref name="iterations"/> inputs (a quarter pure noise, the rest mutations of one of the valid
    /// samples) to <paramref name="read"/>, which returns normally when it accepted the input. Returns the counts;
    /// fails on any exception other than MuscleInputException, or one naming the wrong file.
    /// </summary>
    public static (int Accepted, int Rejected, long Milliseconds) Run(
        int iterations, int seed, IReadOnlyList<string> valid, Action<string> read, string? expectedFile)
    {
        var random = new Random(seed);
        int accepted = 0, rejected = 0;
        var watch = Stopwatch.StartNew();
        for (var i = 0; i < iterations; i++)
        {
            var input = i % 4 == 0 ? RandomText(random) : Mutate(random, valid[random.Next(valid.Count)]);
            try
            {
                read(input);
                accepted++;
            }
            catch (MuscleInputException e)
            {
                if (expectedFile is not null && e.File != expectedFile)
                    throw new InvalidOperationException($"iteration {i}: error names {e.File}, not {expectedFile}: {e.Message}");
                if (e.OneLine().IndexOfAny(['\n', '\r']) >= 0) throw new InvalidOperationException($"iteration {i}: multi-line message: {e.Message}");
                rejected++;
            }
            catch (Exception e)
            {
                throw new InvalidOperationException($"iteration {i}: {e.GetType().Name} escaped for input {Quote(input)}: {e}");
            }
        }
        return (accepted, rejected, watch.ElapsedMilliseconds);
    }

    public static string RandomText(Random random)
    {
        var text = new StringBuilder();
        for (var n = random.Next(0, 60); n > 0; n--)
            text.Append(random.Next(3) == 0 ? Tokens[random.Next(Tokens.Length)] : Noise[random.Next(Noise.Length)]);
        return text.ToString();
    }

    /// <summary>One to three edits: half the time of the JSON tree (a value replaced, removed or duplicated), else of the text.</summary>
    public static string Mutate(Random random, string valid)
    {
        var text = valid;
        for (var m = random.Next(1, 4); m > 0; m--)
            text = random.Next(2) == 0 && TryMutateTree(random, text, out var mutated) ? mutated : MutateText(random, text);
        return text;
    }

    private static string MutateText(Random random, string text)
    {
        var at = random.Next(text.Length + 1);
        return random.Next(6) switch
        {
            0 => text[..at] + Tokens[random.Next(Tokens.Length)] + text[at..],
            1 => text[..at] + text[Math.Min(text.Length, at + random.Next(1, 8))..],
            2 => text[..at], // truncated anywhere
            3 when text.Length > 0 => text[..Math.Min(at, text.Length - 1)] + Noise[random.Next(Noise.Length)] + text[Math.Min(at + 1, text.Length)..],
            4 => text[..at] + text[(at / 2)..at] + text[at..], // a span repeated
            _ => text[..at] + Noise[random.Next(Noise.Length)] + text[at..],
        };
    }

    private static bool TryMutateTree(Random random, string text, out string mutated)
    {
        // JsonNode is lazy: duplicate keys or escaped lone surrogates only throw once walked or written.
        try { return MutateTree(random, text, out mutated); }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            mutated = text;
            return false;
        }
    }

    private static bool MutateTree(Random random, string text, out string mutated)
    {
        mutated = text;
        JsonNode? root;
        try { root = JsonNode.Parse(text); }
        catch (Exception) { return false; }
        var nodes = new List<JsonNode>();
        Collect(root, nodes);
        if (nodes.Count == 0) return false;
        var node = nodes[random.Next(nodes.Count)];
        var replacement = random.Next(4) == 0 ? null : JsonNode.Parse(PickValueToken(random));
        switch (node.Parent)
        {
            case JsonObject o:
                var key = node.GetPropertyName();
                if (random.Next(4) == 0) o.Remove(key);
                else o[key] = replacement;
                break;
            case JsonArray a:
                var i = node.GetElementIndex();
                if (random.Next(4) == 0) a.RemoveAt(i);
                else if (random.Next(4) == 0) a.Insert(i, replacement);
                else a[i] = replacement;
                break;
            default:
                return false;
        }
        mutated = root!.ToJsonString();
        return true;
    }

    private static string PickValueToken(Random random)
    {
        while (true)
        {
            var token = Tokens[random.Next(Tokens.Length)];
            try
            {
                JsonNode.Parse(token);
                return token;
            }
            catch (Exception)
            {
                // a syntax fragment, not a value: pick again
            }
        }
    }

    private static void Collect(JsonNode? node, List<JsonNode> into)
    {
        switch (node)
        {
            case JsonObject o:
                foreach (var (_, child) in o)
                    if (child is not null) { into.Add(child); Collect(child, into); }
                break;
            case JsonArray a:
                foreach (var child in a)
                    if (child is not null) { into.Add(child); Collect(child, into); }
                break;
        }
    }

    private static string Quote(string input) => System.Text.Json.JsonSerializer.Serialize(input);
}
