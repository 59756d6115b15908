using System.Globalization;

namespace Muscle.World;

/// <summary>
/// What <see cref="SyntheticWorld.Generate"/> builds. Every size and rate lives here and is written into
/// <c>world.json</c>; the same options (seed included) always give byte-identical files.
/// </summary>
public sealed record WorldOptions
{
    public long Seed { get; init; } = 1;

    public int SentimentTrain { get; init; } = 2000;
    public int SentimentTest { get; init; } = 1000;
    public int ArithmeticTrain { get; init; } = 1500;
    public int ArithmeticTest { get; init; } = 300;
    public int DialogueTrain { get; init; } = 1500;
    public int DialogueTest { get; init; } = 300;

    /// <summary>Target size of <c>corpus.txt</c> in tokens of the world tokenizer (document separators not counted).</summary>
    public int CorpusTokens { get; init; } = 1_500_000;

    /// <summary>
    /// Polar words per side (positive, negative), a third each at weight 1, 2, 3. With 45 a side the 2,000 training
    /// items teach each word too rarely: bag-of-words logistic regression reached 58 % and the tiny task adapters stayed
    /// at chance; with 15 both adapters reach ~75 % and still disagree on ~13 % of the test items (docs/RESULTS.md).
    /// </summary>
    public int PolarWordsPerSide { get; init; } = 15;

    /// <summary>Probability that a sentiment task label is flipped after the rule decided it (train and test).</summary>
    public double SentimentLabelNoise { get; init; } = 0.12;

    /// <summary>Share of sentiment items whose polarity sum is exactly 0; their label is a coin flip.</summary>
    public double SentimentAmbiguousRate { get; init; } = 0.065;

    /// <summary>Share of corpus reviews that carry a <c>sentiment: positive|negative</c> label.</summary>
    public double CorpusLabelledReviewRate { get; init; } = 0.30;

    /// <summary>Probability that a corpus review label is flipped.</summary>
    public double CorpusLabelNoise { get; init; } = 0.10;

    /// <summary>Share of corpus documents (from the start) that base v1 is pretrained on.</summary>
    public double V1CorpusFraction { get; init; } = 0.30;

    /// <summary>The demo's default world.</summary>
    public static WorldOptions Default { get; } = new();

    /// <summary>About 4× smaller in every split and in the corpus, for smoke tests and <c>muscle demo --quick</c>.</summary>
    public static WorldOptions Quick { get; } = new()
    {
        SentimentTrain = 500,
        SentimentTest = 250,
        ArithmeticTrain = 375,
        ArithmeticTest = 75,
        DialogueTrain = 375,
        DialogueTest = 75,
        CorpusTokens = 375_000,
    };

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first bad value.</summary>
    public void Validate()
    {
        Positive(SentimentTrain, nameof(SentimentTrain));
        Positive(SentimentTest, nameof(SentimentTest));
        Positive(ArithmeticTrain, nameof(ArithmeticTrain));
        Positive(ArithmeticTest, nameof(ArithmeticTest));
        Positive(DialogueTrain, nameof(DialogueTrain));
        Positive(DialogueTest, nameof(DialogueTest));
        Positive(CorpusTokens, nameof(CorpusTokens));
        Positive(PolarWordsPerSide, nameof(PolarWordsPerSide));
        AtMost(PolarWordsPerSide, 200, nameof(PolarWordsPerSide));
        // Beyond these sizes the combinatorics of the templates run out of distinct items.
        AtMost(SentimentTrain + SentimentTest, 200_000, "SentimentTrain + SentimentTest");
        AtMost(ArithmeticTrain + ArithmeticTest, 50_000, "ArithmeticTrain + ArithmeticTest");
        AtMost(DialogueTrain + DialogueTest, 50_000, "DialogueTrain + DialogueTest");
        AtMost(CorpusTokens, 100_000_000, nameof(CorpusTokens));
        Rate(SentimentLabelNoise, nameof(SentimentLabelNoise), 0.5);
        Rate(SentimentAmbiguousRate, nameof(SentimentAmbiguousRate), 0.5);
        Rate(CorpusLabelledReviewRate, nameof(CorpusLabelledReviewRate), 1);
        Rate(CorpusLabelNoise, nameof(CorpusLabelNoise), 0.5);
        if (!(V1CorpusFraction > 0 && V1CorpusFraction <= 1))
            throw new ArgumentOutOfRangeException(nameof(V1CorpusFraction), V1CorpusFraction, $"{nameof(V1CorpusFraction)} must be in (0, 1]");
    }

    private static void Positive(int value, string name)
    {
        if (value <= 0) throw new ArgumentOutOfRangeException(name, value, $"{name} must be at least 1, got {value.ToString(CultureInfo.InvariantCulture)}");
    }

    private static void AtMost(int value, int max, string name)
    {
        if (value > max)
            throw new ArgumentOutOfRangeException(name, value,
                $"{name} = {value.ToString(CultureInfo.InvariantCulture)} exceeds {max.ToString(CultureInfo.InvariantCulture)}; the templates cannot make that many distinct items");
    }

    private static void Rate(double value, string name, double max)
    {
        if (!(value >= 0 && value <= max))
            throw new ArgumentOutOfRangeException(name, value,
                $"{name} must be in [0, {max.ToString(CultureInfo.InvariantCulture)}], got {value.ToString("R", CultureInfo.InvariantCulture)}");
    }
}
