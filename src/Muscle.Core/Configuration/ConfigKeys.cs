namespace Muscle.Configuration;

/// <summary>
/// The one list of <c>config.json</c> keys that no family record maps and that are known not to change what a
/// causal LM computes from its weights: bookkeeping, training-time and generation-default fields of transformers'
/// <c>PretrainedConfig</c> (configuration_utils.py, transformers 4.x and 5.x). Every other key a record does not
/// map is refused by <see cref="ModelConfig.Validate"/>: a key we do not implement may change the logits
/// (<c>attn_logit_softcapping</c>, <c>quantization_config</c>, a new rope field, ...), and a silently wrong
/// log-likelihood is worse than no number.
/// </summary>
public static class ConfigKeys
{
    private static readonly HashSet<string> InertKeys = new(StringComparer.Ordinal)
    {
        // Bookkeeping written by save_pretrained / the Hub.
        "_name_or_path", "_commit_hash", "_attn_implementation", "_attn_implementation_autoset", "attn_implementation",
        "transformers_version", "auto_map", "custom_pipelines", "tokenizer_class", "prefix",
        // Outputs and runtime switches of forward() that do not change the logits.
        "return_dict", "output_hidden_states", "output_attentions", "torchscript", "use_bfloat16", "tf_legacy_loss",
        "output_router_logits", "use_return_dict",
        // Task heads and labels that a *ForCausalLM does not build.
        "finetuning_task", "id2label", "label2id", "num_labels", "problem_type", "task_specific_params",
        // Encoder-decoder switches; a decoder-only causal LM ignores them.
        "is_encoder_decoder", "is_decoder", "tie_encoder_decoder", "cross_attention_hidden_size", "decoder_start_token_id",
        "sep_token_id", "pruned_heads", "chunk_size_feed_forward",
        // Generation defaults (transformers reads them from generation_config.json; `muscle generate` has its own options).
        "max_length", "min_length", "do_sample", "early_stopping", "num_beams", "num_beam_groups", "diversity_penalty",
        "temperature", "top_k", "top_p", "typical_p", "repetition_penalty", "length_penalty", "no_repeat_ngram_size",
        "encoder_no_repeat_ngram_size", "bad_words_ids", "num_return_sequences", "output_scores",
        "return_dict_in_generate", "forced_bos_token_id", "forced_eos_token_id", "remove_invalid_values",
        "exponential_decay_length_penalty", "suppress_tokens", "begin_suppress_tokens",
    };

    /// <summary>The inert keys, sorted (for docs and tests).</summary>
    public static IReadOnlyList<string> Inert { get; } = InertKeys.Order(StringComparer.Ordinal).ToArray();

    /// <summary>True when an unmapped top-level key is known not to change the computation.</summary>
    public static bool IsInert(string key) => InertKeys.Contains(key);
}
