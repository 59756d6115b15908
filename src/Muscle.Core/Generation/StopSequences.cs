namespace Muscle.Generation;

/// <summary>lm-eval's "until" rule: cut the continuation at the earliest occurrence of any stop sequence.</summary>
public static class StopSequences
{
    public static string? Cut(string text, IReadOnlyList<string> stops)
    {
        var best = -1;
        foreach (var s in stops)
        {
            if (s.Length == 0) continue;
            var i = text.IndexOf(s, StringComparison.Ordinal);
            if (i >= 0 && (best < 0 || i < best)) best = i;
        }
        return best < 0 ? null : text[..best];
    }
}
