using System.Text.RegularExpressions;

namespace Muscle.Rouge;

/// <summary>Precision, recall and F1 of one ROUGE comparison, as fractions in [0, 1].</summary>
public readonly record struct RougeScore(double Precision, double Recall, double FMeasure)
{
    public static RougeScore Zero { get; } = new(0, 0, 0);

    public static RougeScore From(double precision, double recall) =>
        new(precision, recall, precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0);
}

/// <summary>
/// ROUGE-N, ROUGE-L and ROUGE-Lsum as google-research <c>rouge_score</c> computes them (its numbers were
/// checked against ROUGE-1.5.5). Argument order is (target, prediction), like <c>RougeScorer.score</c>.
/// Types: <c>rouge1</c>..<c>rouge9</c>, <c>rougeL</c>, <c>rougeLsum</c> (newline-separated sentences).
/// </summary>
public sealed partial class RougeScorer
{
    public RougeScorer(string rougeType, bool useStemmer = false)
    {
        ArgumentNullException.ThrowIfNull(rougeType);
        if (rougeType is not ("rougeL" or "rougeLsum"))
        {
            var m = NgramType().Match(rougeType);
            if (!m.Success || m.Groups[1].Value == "0")
                throw new ArgumentException(
                    $"invalid ROUGE type '{rougeType}': use rouge1..rouge9, rougeL or rougeLsum", nameof(rougeType));
            N = m.Groups[1].Value[0] - '0';
        }
        RougeType = rougeType;
        UseStemmer = useStemmer;
    }

    public string RougeType { get; }
    public bool UseStemmer { get; }

    /// <summary>n for rougeN; 0 for the LCS variants.</summary>
    public int N { get; }

    public static bool IsValidType(string rougeType) =>
        rougeType is "rougeL" or "rougeLsum" || (NgramType().Match(rougeType) is { Success: true } m && m.Groups[1].Value != "0");

    public RougeScore Score(string target, string prediction)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(prediction);
        if (RougeType == "rougeLsum")
            return SummaryLevelLcs(Sentences(target), Sentences(prediction));
        var t = RougeTokenizer.Tokenize(target, UseStemmer);
        var p = RougeTokenizer.Tokenize(prediction, UseStemmer);
        return RougeType == "rougeL" ? Lcs(t, p) : Ngrams(t, p, N);
    }

    private List<IReadOnlyList<string>> Sentences(string text) =>
        text.Split('\n').Where(s => s.Length > 0).Select(s => RougeTokenizer.Tokenize(s, UseStemmer)).ToList();

    private static RougeScore Ngrams(IReadOnlyList<string> target, IReadOnlyList<string> prediction, int n)
    {
        var t = CountNgrams(target, n);
        var p = CountNgrams(prediction, n);
        var overlap = 0;
        foreach (var (gram, count) in t)
            overlap += Math.Min(count, p.GetValueOrDefault(gram));
        var tc = t.Values.Sum();
        var pc = p.Values.Sum();
        return RougeScore.From((double)overlap / Math.Max(pc, 1), (double)overlap / Math.Max(tc, 1));
    }

    private static Dictionary<string, int> CountNgrams(IReadOnlyList<string> tokens, int n)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        // Tokens are [a-z0-9]+, so a space joins an n-gram into an unambiguous key.
        for (var i = 0; i + n <= tokens.Count; i++)
        {
            var key = string.Join(' ', tokens.Skip(i).Take(n));
            counts[key] = counts.GetValueOrDefault(key) + 1;
        }
        return counts;
    }

    private static RougeScore Lcs(IReadOnlyList<string> target, IReadOnlyList<string> prediction)
    {
        if (target.Count == 0 || prediction.Count == 0) return RougeScore.Zero;
        var length = LcsTable(target, prediction)[target.Count, prediction.Count];
        return RougeScore.From((double)length / prediction.Count, (double)length / target.Count);
    }

    /// <summary>Bottom-up LCS length table; entry [i, j] is the LCS of ref[..i] and can[..j].</summary>
    public static int[,] LcsTable<T>(IReadOnlyList<T> reference, IReadOnlyList<T> candidate) where T : IEquatable<T>
    {
        var t = new int[reference.Count + 1, candidate.Count + 1];
        for (var i = 1; i <= reference.Count; i++)
            for (var j = 1; j <= candidate.Count; j++)
                t[i, j] = reference[i - 1].Equals(candidate[j - 1]) ? t[i - 1, j - 1] + 1 : Math.Max(t[i - 1, j], t[i, j - 1]);
        return t;
    }

    /// <summary>Indices into <paramref name="reference"/> of one LCS, chosen by rouge_score's backtrack.</summary>
    public static IReadOnlyList<int> LcsIndices<T>(IReadOnlyList<T> reference, IReadOnlyList<T> candidate) where T : IEquatable<T>
    {
        var t = LcsTable(reference, candidate);
        var result = new List<int>();
        int i = reference.Count, j = candidate.Count;
        while (i > 0 && j > 0)
        {
            if (reference[i - 1].Equals(candidate[j - 1])) { result.Add(i - 1); i--; j--; }
            else if (t[i, j - 1] > t[i - 1, j]) j--;
            else i--;
        }
        result.Reverse();
        return result;
    }

    /// <summary>Tokens of <paramref name="reference"/> in the union of its LCS with each candidate sentence.</summary>
    public static IReadOnlyList<T> UnionLcs<T>(IReadOnlyList<T> reference, IEnumerable<IReadOnlyList<T>> candidates) where T : IEquatable<T> =>
        candidates.SelectMany(c => LcsIndices(reference, c)).Distinct().Order().Select(i => reference[i]).ToList();

    /// <summary>
    /// Summary-level LCS (ROUGE paper §3.2) with ROUGE-1.5.5's guard against counting a token more often
    /// than it occurs in either summary.
    /// </summary>
    public static RougeScore SummaryLevelLcs<T>(IReadOnlyList<IReadOnlyList<T>> reference, IReadOnlyList<IReadOnlyList<T>> candidate)
        where T : IEquatable<T>
    {
        if (reference.Count == 0 || candidate.Count == 0) return RougeScore.Zero;
        var m = reference.Sum(s => s.Count);
        var n = candidate.Sum(s => s.Count);
        if (m == 0 || n == 0) return RougeScore.Zero;
        var refCounts = Count(reference);
        var canCounts = Count(candidate);
        var hits = 0;
        foreach (var sentence in reference)
        {
            foreach (var token in UnionLcs(sentence, candidate))
            {
                if (canCounts.GetValueOrDefault(token) <= 0 || refCounts.GetValueOrDefault(token) <= 0) continue;
                hits++;
                canCounts[token]--;
                refCounts[token]--;
            }
        }
        return RougeScore.From((double)hits / n, (double)hits / m);
    }

    private static Dictionary<T, int> Count<T>(IEnumerable<IReadOnlyList<T>> sentences) where T : IEquatable<T>
    {
        var d = new Dictionary<T, int>();
        foreach (var s in sentences)
            foreach (var t in s)
                d[t] = d.GetValueOrDefault(t) + 1;
        return d;
    }

    [GeneratedRegex("^rouge([0-9])$")]
    private static partial Regex NgramType();
}
