namespace Muscle.Generation;

/// <summary>
/// What a generation produced: the new token ids (including a stop token), the text cut at a stop sequence, why it
/// ended (a <see cref="Generation.StopReason"/> name) and the prompt's length in tokens.
/// </summary>
public sealed record GenerationResult(IReadOnlyList<int> TokenIds, string Text, string StopReason, int PromptTokens = 0);
