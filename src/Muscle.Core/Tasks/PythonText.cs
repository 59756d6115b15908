namespace Muscle.Tasks;

/// <summary>The Python <c>str</c> methods lm-eval's task code relies on, with Python's semantics.</summary>
public static class PythonText
{
    /// <summary>
    /// <c>str.strip()</c>: Python's whitespace is .NET's plus U+001C..U+001F (file/group/record/unit separators).
    /// </summary>
    public static string Strip(string s)
    {
        var start = 0;
        var end = s.Length;
        while (start < end && IsSpace(s[start])) start++;
        while (end > start && IsSpace(s[end - 1])) end--;
        return s[start..end];
    }

    /// <summary>
    /// <c>str.capitalize()</c>: first character upper-cased, every other character LOWER-cased
    /// (so "a Few WOMEN" becomes "A few women"). Differs from Python only for title-case digraphs and the
    /// context-dependent final sigma, which English benchmarks do not contain.
    /// </summary>
    public static string Capitalize(string s)
    {
        if (s.Length == 0) return s;
        var firstLength = char.IsHighSurrogate(s[0]) && s.Length > 1 && char.IsLowSurrogate(s[1]) ? 2 : 1;
        return s[..firstLength].ToUpperInvariant() + s[firstLength..].ToLowerInvariant();
    }

    public static bool IsSpace(char c) => char.IsWhiteSpace(c) || c is >= '\u001c' and <= '\u001f';
}
