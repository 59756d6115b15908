using Muscle.Generation;

namespace Muscle.Tests.Generation;

public class NoRepeatNgramTests
{
    [Fact]
    public void BansTokensThatWouldCompleteASeenBigram()
    {
        // history 5 6 7 5 : bigram (5,6) seen, last token 5 → 6 banned; HF _get_generated_ngrams semantics.
        Assert.Equal(new[] { 6 }, NoRepeatNgram.BannedTokens([5, 6, 7, 5], 2));
        // trigram: prefix (7, 5) never seen before → nothing banned
        Assert.Empty(NoRepeatNgram.BannedTokens([5, 6, 7, 5], 3));
        // trigram with repeats: 1 2 3 1 2 → (1,2) was followed by 3
        Assert.Equal(new[] { 3 }, NoRepeatNgram.BannedTokens([1, 2, 3, 1, 2], 3));
        // every token seen after the prefix is banned
        Assert.Equal(new[] { 2, 3 }, NoRepeatNgram.BannedTokens([1, 2, 1, 3, 1], 2).Order());
        Assert.Empty(NoRepeatNgram.BannedTokens([1], 2));
    }

    [Fact]
    public void StopSequencesCutAtTheEarliest()
    {
        Assert.Equal("abc", StopSequences.Cut("abc\n\nDialogue: x Summary:", ["Summary:", "\n\n", "Dialogue:"]));
        Assert.Null(StopSequences.Cut("abc", ["x"]));
        Assert.Equal("", StopSequences.Cut("Summary: y", ["Summary:"]));
    }
}
