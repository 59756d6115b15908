using System.Text.RegularExpressions;

namespace Muscle.Tasks;

/// <summary>
/// GSM8K answer extraction and comparison as lm-evaluation-harness does it (tasks/gsm8k/gsm8k.yaml): the
/// "strict-match" and "flexible-extract" regex filters, and exact_match with ignore_case and
/// regexes_to_ignore <c>[",", "\$", "(?s).*#### ", "\.$"]</c>.
/// </summary>
public static partial class Gsm8kAnswer
{
    /// <summary>What a filter returns when its regex does not match (lm-eval's fallback); it never equals a gold number.</summary>
    public const string Invalid = "[invalid]";

    /// <summary>The gold number of a reference answer: group 1 of <c>#### (\-?[0-9\.\,]+)</c>, trimmed, commas removed.</summary>
    public static string Gold(string answer)
    {
        var m = Strict().Match(answer);
        return m.Success ? PythonText.Strip(m.Groups[1].Value).Replace(",", "", StringComparison.Ordinal) : Invalid;
    }

    /// <summary>strict-match: the first <c>#### N</c> in the generation, stripped; else <see cref="Invalid"/>.</summary>
    public static string StrictMatch(string generation)
    {
        var m = Strict().Match(generation);
        return m.Success ? PythonText.Strip(m.Groups[1].Value) : Invalid;
    }

    /// <summary>flexible-extract: the last match of <c>(-?[$0-9.,]{2,})|(-?[0-9]+)</c> (its non-empty group), stripped.</summary>
    public static string FlexibleExtract(string generation)
    {
        Match? last = null;
        for (var m = Flexible().Match(generation); m.Success; m = m.NextMatch()) last = m;
        if (last is null) return Invalid;
        var value = last.Groups[1].Success ? last.Groups[1].Value : last.Groups[2].Value;
        return PythonText.Strip(value);
    }

    /// <summary>The prediction the issue asks for: strict <c>#### N</c> if present, else the last number (flexible-extract).</summary>
    public static string Extract(string generation)
    {
        var strict = StrictMatch(generation);
        return strict != Invalid ? strict : FlexibleExtract(generation);
    }

    /// <summary>exact_match's normalisation, applied to prediction and reference alike.</summary>
    public static string Normalize(string s)
    {
        s = s.Replace(",", "", StringComparison.Ordinal).Replace("$", "", StringComparison.Ordinal);
        s = UpToLastHashes().Replace(s, "");
        s = TrailingDot().Replace(s, "");
        return s.ToLowerInvariant();
    }

    /// <summary>Whether an extracted prediction matches the reference (a gold number or a whole reference answer).</summary>
    public static bool IsCorrect(string prediction, string reference) =>
        prediction != Invalid && Normalize(prediction) == Normalize(reference);

    [GeneratedRegex(@"#### (\-?[0-9\.\,]+)", RegexOptions.CultureInvariant)]
    private static partial Regex Strict();

    [GeneratedRegex(@"(-?[$0-9.,]{2,})|(-?[0-9]+)", RegexOptions.CultureInvariant)]
    private static partial Regex Flexible();

    [GeneratedRegex(@"(?s).*#### ", RegexOptions.CultureInvariant)]
    private static partial Regex UpToLastHashes();

    // Python's '$' also matches before a final '\n'; so does .NET's without RegexOptions.Multiline.
    [GeneratedRegex(@"\.$", RegexOptions.CultureInvariant)]
    private static partial Regex TrailingDot();
}
