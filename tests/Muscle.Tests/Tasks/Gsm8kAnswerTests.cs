using Muscle.Tasks;

namespace Muscle.Tests.Tasks;

/// <summary>lm-eval's gsm8k filters and exact_match normalisation; expected values checked with Python's re.</summary>
public sealed class Gsm8kAnswerTests
{
    [Theory]
    [InlineData("He pays 2 * 500 = <<2*500=1000>>1000.\n#### 1,000", "1000")]
    [InlineData("#### -5", "-5")]
    [InlineData("So 3.5 hours.\n#### 3.5", "3.5")]
    [InlineData("#### 12,345,678", "12345678")]
    [InlineData("no marker here: 42", Gsm8kAnswer.Invalid)]
    [InlineData("#### $18", Gsm8kAnswer.Invalid)] // '$' is outside the gold regex's class
    public void Gold_takes_the_hash_number_and_removes_commas(string answer, string gold) =>
        Assert.Equal(gold, Gsm8kAnswer.Gold(answer));

    [Theory]
    [InlineData("so she makes 18.\n#### 18", "18")]
    [InlineData("#### 5 and later #### 7", "5")] // take_first
    [InlineData("#### 18.", "18.")]
    [InlineData("#### -3", "-3")]
    [InlineData("#### 1,000", "1,000")]
    [InlineData("The answer is 18", Gsm8kAnswer.Invalid)]
    [InlineData("####18", Gsm8kAnswer.Invalid)] // needs the space
    public void Strict_match(string generation, string expected) =>
        Assert.Equal(expected, Gsm8kAnswer.StrictMatch(generation));

    [Theory]
    [InlineData("First 3 apples, then 5 more, so 8.", "8.")]
    [InlineData("It costs $1,250 per month", "$1,250")]
    [InlineData("The answer is #### $18", "$18")]
    [InlineData("-7 degrees", "-7")]
    [InlineData("x = -12.5, so -3", "-3")]
    [InlineData("no numbers here", Gsm8kAnswer.Invalid)]
    public void Flexible_extract_takes_the_last_number(string generation, string expected) =>
        Assert.Equal(expected, Gsm8kAnswer.FlexibleExtract(generation));

    [Theory]
    [InlineData("blah #### 18.", "18", true)]           // trailing '.' ignored
    [InlineData("blah #### 1,000", "1000", true)]       // commas ignored
    [InlineData("it is $18 in total", "18", true)]      // no ####: last number, '$' ignored
    [InlineData("18 eggs, then 20", "18", false)]       // the LAST number counts
    [InlineData("#### -4", "-4", true)]
    [InlineData("#### -4", "4", false)]
    [InlineData("#### 18 but the last number is 20", "18", true)] // strict wins over the last number
    [InlineData("no answer at all", "18", false)]
    public void Extract_then_exact_match(string generation, string gold, bool correct) =>
        Assert.Equal(correct, Gsm8kAnswer.IsCorrect(Gsm8kAnswer.Extract(generation), gold));

    [Fact]
    public void Invalid_never_matches_even_an_invalid_reference() =>
        Assert.False(Gsm8kAnswer.IsCorrect(Gsm8kAnswer.Invalid, Gsm8kAnswer.Invalid));

    [Fact]
    public void Normalize_applies_lm_eval_regexes_to_a_whole_reference_answer() =>
        Assert.Equal("1234", Gsm8kAnswer.Normalize("Step one.\n#### 1,234 is it #### $1,234."));

    [Fact]
    public void Score_cuts_the_generation_at_the_first_stop_sequence()
    {
        var task = TaskRegistry.Get("gsm8k");
        var ex = new TaskExample("0", "Question: q\nAnswer:", [], null, "x\n#### 4", new Dictionary<string, string> { ["gold"] = "4" });
        var score = task.Score(" I think 4.\nQuestion: what is 5", ex);
        Assert.Equal("4.", score.Prediction);
        Assert.Equal("4", score.Reference);
        Assert.True(score.Correct);
        Assert.Equal(1.0, score.Score);
        Assert.False(task.Score(" I think 4 or 6</s>7", ex).Correct);
    }
}
