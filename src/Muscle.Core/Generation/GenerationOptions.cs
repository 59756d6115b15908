namespace Muscle.Generation;

/// <summary>
/// Decoding settings, named as in HF <c>generate()</c>. Greedy ignores temperature/top-p; sampling is reproducible
/// from <see cref="Seed"/>.
/// </summary>
public sealed record GenerationOptions
{
    public int MaxNewTokens { get; init; } = 128;
    public bool Greedy { get; init; } = true;
    public double Temperature { get; init; } = 1.0;
    public double TopP { get; init; } = 1.0;
    public long Seed { get; init; } = 0;

    /// <summary>Generation stops when the decoded continuation contains one of these; the text is cut at the earliest.</summary>
    public IReadOnlyList<string> StopSequences { get; init; } = [];

    /// <summary>Ban a token that would complete an n-gram already present (0 = off), as HF's NoRepeatNGramLogitsProcessor.</summary>
    public int NoRepeatNgramSize { get; init; }

    /// <summary>HF counts the prompt's n-grams too for decoder-only models (default); false looks at generated tokens only.</summary>
    public bool NoRepeatNgramIncludesPrompt { get; init; } = true;

    public bool UseKvCache { get; init; } = true;

    /// <summary>Token ids that end generation; null means the tokenizer's EOS ids.</summary>
    public IReadOnlyCollection<int>? StopTokenIds { get; init; }

    public void Validate()
    {
        if (MaxNewTokens < 0) throw new Infrastructure.MuscleInputException($"--max-new-tokens must be >= 0, got {MaxNewTokens}");
        if (!Greedy && !(Temperature > 0)) throw new Infrastructure.MuscleInputException($"--temperature must be > 0 when sampling, got {Temperature}");
        if (!(TopP > 0 && TopP <= 1)) throw new Infrastructure.MuscleInputException($"--top-p must be in (0, 1], got {TopP}");
        // An empty stop string occurs at offset 0 of every text, so it would cut every continuation to nothing.
        if (StopSequences.Any(s => s.Length == 0)) throw new Infrastructure.MuscleInputException("--stop must not be an empty string: it would cut every continuation to nothing");
        if (NoRepeatNgramSize < 0) throw new Infrastructure.MuscleInputException($"--no-repeat-ngram-size must be >= 0, got {NoRepeatNgramSize}");
    }
}
