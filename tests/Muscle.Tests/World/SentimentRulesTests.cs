using Muscle.Infrastructure;
using Muscle.World;

namespace Muscle.Tests.World;

public sealed class SentimentRulesTests
{
    private static readonly WorldLexicon Lex = WorldLexicon.Create(7, 45);

    private static string Polar(int weight) => Lex.Polarity.First(p => p.Value == weight).Key;

    private static int Score(params string[] words) => SentimentRules.Score(words, Lex);

    [Fact]
    public void Polar_words_have_weights_one_to_three_on_each_side()
    {
        Assert.Equal(90, Lex.Polarity.Count);
        foreach (var w in (int[])[-3, -2, -1, 1, 2, 3]) Assert.Equal(15, Lex.Polarity.Values.Count(v => v == w));
    }

    [Fact]
    public void A_negator_flips_the_next_polar_word_only()
    {
        var (good, bad) = (Polar(2), Polar(-3));
        var not = Lex.Negators[0];
        Assert.Equal(2, Score(good));
        Assert.Equal(-2, Score(not, good));
        Assert.Equal(3, Score(not, bad));
        Assert.Equal(-2 + 2, Score(not, good, good));
        Assert.Equal(2, Score(not, Lex.Negators[1], good));
        // Filler inside the scope does not end it; a full stop does.
        Assert.Equal(-2, Score(not, Lex.Filler[0], good));
        Assert.Equal(2, Score(not, ".", good));
    }

    [Fact]
    public void An_intensifier_doubles_the_next_polar_word_only()
    {
        var (good, bad) = (Polar(1), Polar(-2));
        var very = Lex.Intensifiers[0];
        Assert.Equal(2, Score(very, good));
        Assert.Equal(-4, Score(very, bad));
        Assert.Equal(2 + 1, Score(very, good, good));
        Assert.Equal(-2, Score(Lex.Negators[0], very, good));
        Assert.Equal(4, Score(very, Lex.Intensifiers[1], good));
    }

    [Fact]
    public void Label_is_the_sign_of_the_sum_and_zero_is_ambiguous()
    {
        Assert.Equal(SentimentRules.Positive, SentimentRules.RuleLabel(Score(Polar(3), Polar(-2))));
        Assert.Equal(SentimentRules.Negative, SentimentRules.RuleLabel(Score(Polar(1), Lex.Intensifiers[0], Polar(-1))));
        Assert.Null(SentimentRules.RuleLabel(Score(Polar(2), Polar(-2))));
        Assert.Null(SentimentRules.RuleLabel(Score(Lex.Filler[0], Lex.Filler[1])));
    }

    [Theory]
    [InlineData(0.12, 0.065)]
    [InlineData(0.0, 0.0)]
    [InlineData(0.30, 0.10)]
    public void Noise_and_ambiguity_rates_match_the_settings_within_two_points(double noise, double ambiguous)
    {
        var gen = new SentimentGenerator(Lex, ambiguous, noise);
        var rng = StableRandom.Stream(3, "test");
        var items = Enumerable.Range(0, 5000).Select(_ => gen.Next(rng)).ToList();

        Assert.InRange(items.Count(i => i.Label != i.RuleLabel) / 5000.0, noise - 0.02, noise + 0.02);
        Assert.InRange(items.Count(i => i.Ambiguous) / 5000.0, ambiguous - 0.02, ambiguous + 0.02);
        foreach (var i in items)
        {
            Assert.Equal(SentimentRules.Score(i.Words, Lex), i.Score);
            Assert.Equal(i.Ambiguous, i.Score == 0);
            if (!i.Ambiguous) Assert.Equal(SentimentRules.RuleLabel(i.Score), i.RuleLabel);
            Assert.Equal(i.Noisy, i.Label != i.RuleLabel);
            Assert.InRange(i.Words.Count, 5, 14);
        }
        Assert.InRange(items.Count(i => i.Label == SentimentRules.Positive) / 5000.0, 0.46, 0.54);
    }

    [Fact]
    public void Reviews_exercise_negators_and_intensifiers()
    {
        var gen = new SentimentGenerator(Lex, 0.065, 0.12);
        var rng = StableRandom.Stream(4, "test");
        var items = Enumerable.Range(0, 2000).Select(_ => gen.Next(rng)).ToList();
        // The rule must matter: labels that ignore negation would differ from the rule on many items.
        var naive = items.Count(i => !i.Ambiguous && Math.Sign(i.Words.Sum(w => Lex.Polarity.GetValueOrDefault(w))) != Math.Sign(i.Score));
        Assert.InRange(naive / 2000.0, 0.05, 0.5);
        Assert.Contains(items, i => i.Words.Any(Lex.Intensifiers.Contains));
    }
}
