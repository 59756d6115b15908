using Muscle.Infrastructure;
namespace Muscle.World;

/// <summary>
/// The closed vocabulary of the world: pronounceable pseudo-words made of consonant–vowel syllables (drawn from
/// the seed) in fixed roles, plus a fixed set of English function words and the punctuation the templates use.
/// Pseudo-words carry no meaning a base model could bring from elsewhere, so everything a model knows about
/// them comes from the corpus and the task data.
/// </summary>
internal sealed class WorldLexicon
{
    /// <summary>Consonants and vowels of the syllables. Disjoint classes keep the syllable merges unambiguous.</summary>
    public const string Consonants = "bdfgklmnprstvz";
    public const string Vowels = "aeiou";

    /// <summary>Words the templates use verbatim; always preceded by a space in generated text.</summary>
    public static IReadOnlyList<string> FunctionWords { get; } =
    [
        "a", "about", "and", "at", "bag", "bags", "bring", "but", "buys", "can", "cannot", "come", "do", "does",
        "each", "fine", "gives", "has", "have", "how", "i", "in", "is", "it", "let", "loses", "many", "more",
        "negative", "not", "now", "of", "ok", "on", "positive", "see", "sentiment", "shall", "sorry", "sure",
        "the", "then", "there", "to", "us", "want", "wants", "we", "will", "with", "yes", "you",
    ];

    /// <summary>Words that start a line (a prompt or a dialogue turn) and so appear without a leading space.</summary>
    public static IReadOnlyList<string> Keywords { get; } = ["Answer", "Dialogue", "Question", "Review", "Summary"];

    /// <summary>Punctuation and operators, each written with a space before it.</summary>
    public static IReadOnlyList<string> Symbols { get; } = [".", ",", "?", "+", "-", "*", "=", "####"];

    public required IReadOnlyList<string> PositiveWords { get; init; }
    public required IReadOnlyList<string> NegativeWords { get; init; }

    /// <summary>Signed weight of each polar word: +1..+3 positive, −1..−3 negative.</summary>
    public required IReadOnlyDictionary<string, int> Polarity { get; init; }

    public required IReadOnlyList<string> Negators { get; init; }
    public required IReadOnlyList<string> Intensifiers { get; init; }
    public required IReadOnlyList<string> Filler { get; init; }
    public required IReadOnlyList<string> Names { get; init; }
    public required IReadOnlyList<string> Objects { get; init; }
    public required IReadOnlyList<string> Places { get; init; }
    public required IReadOnlyList<string> Days { get; init; }
    public required IReadOnlyList<string> Activities { get; init; }
    public required IReadOnlyList<string> Verbs { get; init; }

    /// <summary>The word lists other than the polar words, by their names in lexicon.json.</summary>
    public IReadOnlyList<(string Name, IReadOnlyList<string> Words)> Categories =>
    [
        ("negators", Negators), ("intensifiers", Intensifiers), ("filler", Filler), ("names", Names),
        ("objects", Objects), ("places", Places), ("days", Days), ("activities", Activities), ("verbs", Verbs),
        ("function_words", FunctionWords), ("keywords", Keywords), ("symbols", Symbols),
    ];

    /// <summary>Every word as it appears after a space (lower-case pseudo-words, names, function words, symbols).</summary>
    public IEnumerable<string> SpacedWords =>
        PositiveWords.Concat(NegativeWords).Concat(Categories.Where(c => c.Name != "keywords").SelectMany(c => c.Words));

    /// <summary>Every word as it appears at the start of a line: the prompt keywords and the names.</summary>
    public IEnumerable<string> LineStartWords => Keywords.Concat(Names);

    /// <summary>Number of distinct word types (a name counts once though it has two spellings in the tokenizer).</summary>
    public int WordTypeCount => SpacedWords.Concat(Keywords).Distinct(StringComparer.Ordinal).Count();

    /// <summary>Two different names.</summary>
    public (string A, string B) TwoNames(StableRandom rng)
    {
        var a = rng.Pick(Names);
        string b;
        do b = rng.Pick(Names); while (b == a);
        return (a, b);
    }

    public static WorldLexicon Create(long seed, int polarWordsPerSide)
    {
        var rng = StableRandom.Stream(seed, "lexicon");
        var taken = new HashSet<string>(FunctionWords, StringComparer.Ordinal);
        foreach (var k in Keywords) taken.Add(k.ToLowerInvariant());

        List<string> Draw(int count, bool allowThreeSyllables)
        {
            var words = new List<string>(count);
            while (words.Count < count)
            {
                var syllables = allowThreeSyllables && rng.Chance(0.4) ? 3 : 2;
                var chars = new char[syllables * 2];
                for (var s = 0; s < syllables; s++)
                {
                    chars[2 * s] = Consonants[rng.Next(Consonants.Length)];
                    chars[2 * s + 1] = Vowels[rng.Next(Vowels.Length)];
                }
                var w = new string(chars);
                if (taken.Add(w)) words.Add(w);
            }
            return words;
        }

        var positive = Draw(polarWordsPerSide, true);
        var negative = Draw(polarWordsPerSide, true);
        var polarity = new Dictionary<string, int>(StringComparer.Ordinal);
        // A third of each side at each weight 1, 2, 3.
        for (var i = 0; i < polarWordsPerSide; i++)
        {
            var weight = 1 + i * 3 / polarWordsPerSide;
            polarity[positive[i]] = weight;
            polarity[negative[i]] = -weight;
        }
        var lexicon = new WorldLexicon
        {
            PositiveWords = positive,
            NegativeWords = negative,
            Polarity = polarity,
            Negators = Draw(4, false),
            Intensifiers = Draw(4, false),
            Filler = Draw(150, true),
            Names = [.. Draw(24, false).Select(n => char.ToUpperInvariant(n[0]) + n[1..])],
            Objects = Draw(30, true),
            Places = Draw(16, true),
            Days = Draw(7, false),
            Activities = Draw(16, true),
            Verbs = Draw(20, true),
        };
        return lexicon;
    }
}
