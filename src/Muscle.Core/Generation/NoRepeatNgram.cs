namespace Muscle.Generation;

/// <summary>HF's no-repeat-n-gram rule: the tokens that would complete an n-gram already seen in <c>history</c>.</summary>
public static class NoRepeatNgram
{
    public static HashSet<int> BannedTokens(IReadOnlyList<int> history, int n)
    {
        var banned = new HashSet<int>();
        if (n <= 0 || history.Count + 1 < n) return banned;
        var prefixStart = history.Count - (n - 1);
        for (var start = 0; start + n <= history.Count; start++)
        {
            var match = true;
            for (var k = 0; k < n - 1 && match; k++) match = history[start + k] == history[prefixStart + k];
            if (match) banned.Add(history[start + n - 1]);
        }
        return banned;
    }
}
