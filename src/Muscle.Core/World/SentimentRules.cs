using Muscle.Infrastructure;
namespace Muscle.World;

/// <summary>
/// The label rule of the sentiment task. Reading left to right, a negator flips and an intensifier doubles the
/// next polar word (several negators cancel pairwise, several intensifiers multiply); the polar word adds its
/// signed weight (±1..3) and clears both. A '.' also clears them. The sign of the sum is the label; a sum of 0
/// is ambiguous.
/// </summary>
internal static class SentimentRules
{
    public const int Negative = 0;
    public const int Positive = 1;

    /// <summary>The choices in label order, as the jsonl-mc file lists them.</summary>
    public static IReadOnlyList<string> Choices { get; } = ["negative", "positive"];

    public static int Score(IEnumerable<string> words, WorldLexicon lexicon)
    {
        var sum = 0;
        var sign = 1;
        var factor = 1;
        foreach (var w in words)
        {
            if (lexicon.Polarity.TryGetValue(w, out var weight))
            {
                sum += sign * factor * weight;
                (sign, factor) = (1, 1);
            }
            else if (lexicon.Negators.Contains(w)) sign = -sign;
            else if (lexicon.Intensifiers.Contains(w)) factor *= 2;
            else if (w == ".") (sign, factor) = (1, 1);
        }
        return sum;
    }

    /// <summary>The label the rule gives a non-zero score (null for 0: ambiguous).</summary>
    public static int? RuleLabel(int score) => score > 0 ? Positive : score < 0 ? Negative : null;
}

/// <summary>One review with how its label came about.</summary>
internal sealed record SentimentItem(IReadOnlyList<string> Words, int Score, int RuleLabel, int Label, bool Ambiguous, bool Noisy)
{
    public string Text => string.Join(' ', Words);

    /// <summary>The task context; the model scores " negative" / " positive" after it.</summary>
    public string Context => $"Review: {Text} . sentiment:";
}

/// <summary>Draws reviews: 0–3 polar words, each maybe negated and/or intensified, in neutral filler.</summary>
internal sealed class SentimentGenerator(WorldLexicon lexicon, double ambiguousRate, double labelNoise)
{
    public SentimentItem Next(StableRandom rng)
    {
        var ambiguous = rng.Chance(ambiguousRate);
        while (true)
        {
            var words = Review(rng);
            var score = SentimentRules.Score(words, lexicon);
            if ((score == 0) != ambiguous) continue;
            var rule = SentimentRules.RuleLabel(score) ?? rng.Next(2);
            var noisy = rng.Chance(labelNoise);
            return new SentimentItem(words, score, rule, noisy ? 1 - rule : rule, ambiguous, noisy);
        }
    }

    private List<string> Review(StableRandom rng)
    {
        var u = rng.NextDouble();
        var polarCount = u < 0.03 ? 0 : u < 0.45 ? 1 : u < 0.80 ? 2 : 3;
        var length = rng.Between(5, 12);
        var units = new List<List<string>>();
        var used = 0;
        for (var i = 0; i < polarCount; i++)
        {
            var group = new List<string>();
            if (rng.Chance(0.25)) group.Add(rng.Pick(lexicon.Negators));
            if (rng.Chance(0.25)) group.Add(rng.Pick(lexicon.Intensifiers));
            // A filler word inside the scope now and then, so "next polar word" is not just "next word".
            if (group.Count > 0 && rng.Chance(0.15)) group.Add(rng.Pick(lexicon.Filler));
            group.Add(rng.Pick(rng.Chance(0.5) ? lexicon.PositiveWords : lexicon.NegativeWords));
            units.Add(group);
            used += group.Count;
        }
        for (var i = used; i < length || units.Count == 0; i++) units.Add([rng.Pick(lexicon.Filler)]);
        rng.Shuffle(units);
        return [.. units.SelectMany(x => x)];
    }
}
