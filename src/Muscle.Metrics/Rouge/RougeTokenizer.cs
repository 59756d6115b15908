using System.Text;

namespace Muscle.Rouge;

/// <summary>
/// google-research <c>rouge_score</c> tokenisation: lowercase, every run of characters outside [a-z0-9] becomes
/// a space, split on whitespace, Porter-stem tokens longer than 3 characters when asked, drop empty tokens.
/// Non-ASCII letters are separators, exactly as the reference's regex treats them.
/// </summary>
public static class RougeTokenizer
{
    public static IReadOnlyList<string> Tokenize(string text, bool useStemmer)
    {
        ArgumentNullException.ThrowIfNull(text);
        var tokens = new List<string>();
        var current = new StringBuilder();
        foreach (var ch in text.ToLowerInvariant())
        {
            if (ch is >= 'a' and <= 'z' or >= '0' and <= '9')
            {
                current.Append(ch);
                continue;
            }
            Flush();
        }
        Flush();
        return tokens;

        void Flush()
        {
            if (current.Length == 0) return;
            var token = current.ToString();
            current.Clear();
            // The stemmer can only shorten an [a-z0-9]+ token, never empty it, so no re-validation is needed.
            tokens.Add(useStemmer && token.Length > 3 ? PorterStemmer.Stem(token) : token);
        }
    }
}
