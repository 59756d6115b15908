using Microsoft.ML.Tokenizers;

namespace Muscle.Tokenization;

/// <summary>
/// HF tokenizers' <c>Split</c> pre-tokenizer with behavior <c>Isolated</c>: the regex matches are pieces and so is the
/// text between two matches (tokenizers' <c>SplitDelimiterBehavior::Isolated</c>). <see cref="RegexPreTokenizer"/>
/// yields the matches only, so text a pattern does not cover would be dropped; this wrapper adds the gaps back.
/// Patterns that cover every character (GPT-2's, Llama 3's) give the same pieces either way.
/// </summary>
internal sealed class IsolatedSplitPreTokenizer(RegexPreTokenizer matches) : PreTokenizer
{
    public override IEnumerable<(int Offset, int Length)> PreTokenize(string text) =>
        text is null ? [] : WithGaps(matches.PreTokenize(text), text.Length);

    public override IEnumerable<(int Offset, int Length)> PreTokenize(ReadOnlySpan<char> text) =>
        WithGaps(matches.PreTokenize(text), text.Length);

    private static IEnumerable<(int Offset, int Length)> WithGaps(IEnumerable<(int Offset, int Length)> pieces, int length)
    {
        var end = 0;
        foreach (var (offset, count) in pieces)
        {
            if (offset > end) yield return (end, offset - end);
            yield return (offset, count);
            end = offset + count;
        }
        if (end < length) yield return (end, length - end);
    }
}
