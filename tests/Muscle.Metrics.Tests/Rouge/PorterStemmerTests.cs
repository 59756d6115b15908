using Muscle.Rouge;

namespace Muscle.Metrics.Tests.Rouge;

/// <summary>
/// Examples from Porter's paper as NLTK_EXTENSIONS mode stems them (the mode rouge_score uses), including the
/// NLTK departures: irregular forms, 4-letter "ies"/"ied", y→i only after a consonant, "logi", "fulli".
/// </summary>
public class PorterStemmerTests
{
    [Theory]
    [InlineData("caresses", "caress")]
    [InlineData("ponies", "poni")]
    [InlineData("ties", "tie")]
    [InlineData("cats", "cat")]
    [InlineData("feed", "feed")]
    [InlineData("agreed", "agre")]
    [InlineData("plastered", "plaster")]
    [InlineData("motoring", "motor")]
    [InlineData("sing", "sing")]
    [InlineData("conflated", "conflat")]
    [InlineData("troubled", "troubl")]
    [InlineData("sized", "size")]
    [InlineData("hopping", "hop")]
    [InlineData("tanned", "tan")]
    [InlineData("falling", "fall")]
    [InlineData("hissing", "hiss")]
    [InlineData("fizzed", "fizz")]
    [InlineData("failing", "fail")]
    [InlineData("filing", "file")]
    [InlineData("happy", "happi")]
    [InlineData("enjoy", "enjoy")]
    [InlineData("relational", "relat")]
    [InlineData("conditional", "condit")]
    [InlineData("rational", "ration")]
    [InlineData("generalization", "gener")]
    [InlineData("effective", "effect")]
    [InlineData("adjustable", "adjust")]
    [InlineData("running", "run")]
    [InlineData("flies", "fli")]
    [InlineData("dies", "die")]
    [InlineData("spied", "spi")]
    [InlineData("died", "die")]
    [InlineData("dying", "die")]
    [InlineData("skies", "sky")]
    [InlineData("news", "news")]
    [InlineData("succeed", "succeed")]
    [InlineData("hopefully", "hope")]
    [InlineData("geology", "geolog")]
    [InlineData("controlling", "control")]
    [InlineData("is", "is")]
    public void StemsLikeNltk(string word, string stem) => Assert.Equal(stem, PorterStemmer.Stem(word));

    [Fact]
    public void TokenizerStemsOnlyTokensLongerThanThree()
    {
        Assert.Equal(["the", "cat", "s", "run", "runs"], RougeTokenizer.Tokenize("The cat's RUN runs", useStemmer: false));
        Assert.Equal(["the", "cat", "s", "run", "run", "die"], RougeTokenizer.Tokenize("The cat's RUN runs dies", useStemmer: true));
        // "bus" would stem to "bu"; three-letter tokens are left alone.
        Assert.Equal("bu", PorterStemmer.Stem("bus"));
        Assert.Equal(["bus", "buse"], RougeTokenizer.Tokenize("bus buses", useStemmer: true));
        Assert.Equal(["caf", "2024"], RougeTokenizer.Tokenize("Café, 2024!", useStemmer: false));
    }
}
