namespace Muscle.Compatibility;

/// <summary>
/// The 2×2 table of (old correct, new correct) counts: N11 both right (Q1), N01 positive flip (Q2),
/// N00 both wrong (Q3), N10 negative flip (Q4).
/// </summary>
public readonly record struct FlipTable(int N11, int N10, int N01, int N00)
{
    public int N => N11 + N10 + N01 + N00;

    public static FlipTable Count(IReadOnlyList<bool> oldCorrect, IReadOnlyList<bool> newCorrect)
    {
        ArgumentNullException.ThrowIfNull(oldCorrect);
        ArgumentNullException.ThrowIfNull(newCorrect);
        if (oldCorrect.Count != newCorrect.Count)
            throw new ArgumentException($"old has {oldCorrect.Count} outcomes, new has {newCorrect.Count}; align by id first");
        int n11 = 0, n10 = 0, n01 = 0, n00 = 0;
        for (var i = 0; i < oldCorrect.Count; i++)
        {
            switch (oldCorrect[i], newCorrect[i])
            {
                case (true, true): n11++; break;
                case (true, false): n10++; break;
                case (false, true): n01++; break;
                default: n00++; break;
            }
        }
        return new FlipTable(n11, n10, n01, n00);
    }
}
