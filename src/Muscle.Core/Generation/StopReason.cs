namespace Muscle.Generation;

/// <summary>
/// Why a generation ended, as written to predictions (<c>stop_reason</c>) and the <c>generate</c> note. The names follow
/// the finish reasons of OpenAI-style completion APIs and HF's stopping criteria: an EOS token, a stop string, the
/// requested number of new tokens, or the model's context window (max_position_embeddings) being full.
/// </summary>
public static class StopReason
{
    public const string Eos = "eos";
    public const string StopString = "stop_string";
    public const string MaxTokens = "max_tokens";
    public const string ContextFull = "context_full";
}
