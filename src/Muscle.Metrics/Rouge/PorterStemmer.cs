namespace Muscle.Rouge;

/// <summary>
/// The Porter stemmer in NLTK's default <c>NLTK_EXTENSIONS</c> mode, which is what google-research
/// <c>rouge_score</c> calls with <c>use_stemmer=True</c>. ROUGE numbers only match the reference when every
/// NLTK departure from the 1980 paper is reproduced (irregular forms, "ies"/"ied" on 4-letter words, the
/// y→i rule, "alli" re-entry, "fulli" and "logi" in step 2, no stemming of words of length ≤ 2).
/// Input must already be lowercase ASCII (the ROUGE tokenizer guarantees it). Stateless and thread-safe.
/// </summary>
public static class PorterStemmer
{
    private static readonly Dictionary<string, string> Irregular = new(StringComparer.Ordinal)
    {
        ["sky"] = "sky", ["skies"] = "sky", ["dying"] = "die", ["lying"] = "lie", ["tying"] = "tie",
        ["news"] = "news", ["innings"] = "inning", ["inning"] = "inning", ["outings"] = "outing",
        ["outing"] = "outing", ["cannings"] = "canning", ["canning"] = "canning", ["howe"] = "howe",
        ["proceed"] = "proceed", ["exceed"] = "exceed", ["succeed"] = "succeed",
    };

    private delegate bool Condition(string stem);

    private readonly record struct Rule(string Suffix, string Replacement, Condition? When);

    public static string Stem(string word)
    {
        ArgumentNullException.ThrowIfNull(word);
        var stem = word.ToLowerInvariant();
        if (Irregular.TryGetValue(word, out var irregular)) return irregular;
        if (word.Length <= 2) return stem;
        stem = Step1A(stem);
        stem = Step1B(stem);
        stem = Step1C(stem);
        stem = Step2(stem);
        stem = Step3(stem);
        stem = Step4(stem);
        stem = Step5A(stem);
        stem = Step5B(stem);
        return stem;
    }

    private static bool IsConsonant(string w, int i)
    {
        var c = w[i];
        if (c is 'a' or 'e' or 'i' or 'o' or 'u') return false;
        if (c == 'y') return i == 0 || !IsConsonant(w, i - 1);
        return true;
    }

    /// <summary>Porter's m: the number of vowel→consonant transitions.</summary>
    private static int Measure(string stem)
    {
        var m = 0;
        for (var i = 1; i < stem.Length; i++)
            if (!IsConsonant(stem, i - 1) && IsConsonant(stem, i)) m++;
        return m;
    }

    private static bool PositiveMeasure(string stem) => Measure(stem) > 0;

    private static bool ContainsVowel(string stem)
    {
        for (var i = 0; i < stem.Length; i++)
            if (!IsConsonant(stem, i)) return true;
        return false;
    }

    private static bool EndsDoubleConsonant(string w) =>
        w.Length >= 2 && w[^1] == w[^2] && IsConsonant(w, w.Length - 1);

    /// <summary>Condition *o, plus NLTK's two-letter vowel-consonant case.</summary>
    private static bool EndsCvc(string w) =>
        (w.Length >= 3 && IsConsonant(w, w.Length - 3) && !IsConsonant(w, w.Length - 2)
         && IsConsonant(w, w.Length - 1) && w[^1] is not ('w' or 'x' or 'y'))
        || (w.Length == 2 && !IsConsonant(w, 0) && IsConsonant(w, 1));

    private static string Cut(string w, string suffix) => w[..^suffix.Length];

    /// <summary>
    /// The first rule whose suffix matches decides: if its condition fails, no later rule is tried
    /// (NLTK's <c>_apply_rule_list</c>; "*d" means any double consonant).
    /// </summary>
    private static string ApplyFirst(string word, IEnumerable<Rule> rules)
    {
        foreach (var (suffix, replacement, when) in rules)
        {
            if (suffix == "*d")
            {
                if (!EndsDoubleConsonant(word)) continue;
                var s = word[..^2];
                return when is null || when(s) ? s + replacement : word;
            }
            if (word.EndsWith(suffix, StringComparison.Ordinal))
            {
                var s = Cut(word, suffix);
                return when is null || when(s) ? s + replacement : word;
            }
        }
        return word;
    }

    private static string Step1A(string w)
    {
        if (w.EndsWith("ies", StringComparison.Ordinal) && w.Length == 4) return Cut(w, "ies") + "ie";
        return ApplyFirst(w, [new("sses", "ss", null), new("ies", "i", null), new("ss", "ss", null), new("s", "", null)]);
    }

    private static string Step1B(string w)
    {
        if (w.EndsWith("ied", StringComparison.Ordinal))
            return Cut(w, "ied") + (w.Length == 4 ? "ie" : "i");
        if (w.EndsWith("eed", StringComparison.Ordinal))
        {
            var s = Cut(w, "eed");
            return Measure(s) > 0 ? s + "ee" : w;
        }
        string? intermediate = null;
        foreach (var suffix in (string[])["ed", "ing"])
        {
            if (!w.EndsWith(suffix, StringComparison.Ordinal)) continue;
            var s = Cut(w, suffix);
            if (ContainsVowel(s)) { intermediate = s; break; }
        }
        if (intermediate is null) return w;
        var last = intermediate[^1];
        return ApplyFirst(intermediate,
        [
            new("at", "ate", null), new("bl", "ble", null), new("iz", "ize", null),
            new("*d", last.ToString(), _ => last is not ('l' or 's' or 'z')),
            new("", "e", s => Measure(s) == 1 && EndsCvc(s)),
        ]);
    }

    private static string Step1C(string w) =>
        ApplyFirst(w, [new("y", "i", s => s.Length > 1 && IsConsonant(s, s.Length - 1))]);

    private static string Step2(string w)
    {
        if (w.EndsWith("alli", StringComparison.Ordinal) && PositiveMeasure(Cut(w, "alli")))
            return Step2(Cut(w, "alli") + "al");
        Condition p = PositiveMeasure;
        return ApplyFirst(w,
        [
            new("ational", "ate", p), new("tional", "tion", p), new("enci", "ence", p), new("anci", "ance", p),
            new("izer", "ize", p), new("bli", "ble", p), new("alli", "al", p), new("entli", "ent", p),
            new("eli", "e", p), new("ousli", "ous", p), new("ization", "ize", p), new("ation", "ate", p),
            new("ator", "ate", p), new("alism", "al", p), new("iveness", "ive", p), new("fulness", "ful", p),
            new("ousness", "ous", p), new("aliti", "al", p), new("iviti", "ive", p), new("biliti", "ble", p),
            new("fulli", "ful", p),
            // NLTK keeps the 'l' of "logi" with the stem, so the measure is taken on word minus "ogi".
            new("logi", "log", _ => PositiveMeasure(w[..^3])),
        ]);
    }

    private static string Step3(string w)
    {
        Condition p = PositiveMeasure;
        return ApplyFirst(w,
        [
            new("icate", "ic", p), new("ative", "", p), new("alize", "al", p), new("iciti", "ic", p),
            new("ical", "ic", p), new("ful", "", p), new("ness", "", p),
        ]);
    }

    private static string Step4(string w)
    {
        Condition gt1 = s => Measure(s) > 1;
        return ApplyFirst(w,
        [
            new("al", "", gt1), new("ance", "", gt1), new("ence", "", gt1), new("er", "", gt1), new("ic", "", gt1),
            new("able", "", gt1), new("ible", "", gt1), new("ant", "", gt1), new("ement", "", gt1),
            new("ment", "", gt1), new("ent", "", gt1),
            new("ion", "", s => Measure(s) > 1 && s.Length > 0 && s[^1] is 's' or 't'),
            new("ou", "", gt1), new("ism", "", gt1), new("ate", "", gt1), new("iti", "", gt1), new("ous", "", gt1),
            new("ive", "", gt1), new("ize", "", gt1),
        ]);
    }

    private static string Step5A(string w)
    {
        if (!w.EndsWith('e')) return w;
        var s = w[..^1];
        var m = Measure(s);
        if (m > 1) return s;
        if (m == 1 && !EndsCvc(s)) return s;
        return w;
    }

    private static string Step5B(string w) =>
        ApplyFirst(w, [new("ll", "l", _ => Measure(w[..^1]) > 1)]);
}
