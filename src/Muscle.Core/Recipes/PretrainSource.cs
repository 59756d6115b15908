namespace Muscle.Recipes;

/// <summary>What to pretrain from: a corpus, a tokenizer, and either a fresh config or a model to continue.</summary>
public sealed record PretrainSource
{
    public required string CorpusPath { get; init; }

    /// <summary>Directory with the tokenizer files; they are copied into the output.</summary>
    public required string TokenizerDir { get; init; }

    /// <summary>An HF config.json: a fresh model with random init from the seed.</summary>
    public string? ConfigPath { get; init; }

    /// <summary>An HF model directory to continue (strictly loaded).</summary>
    public string? InitFrom { get; init; }

    /// <summary>Optional held-out text; its mean CE is measured at the end and written into the recipe.</summary>
    public string? ValidCorpusPath { get; init; }
}
