using System.Text.Json.Serialization;

namespace Muscle.Configuration;

/// <summary>
/// HF LlamaConfig, also read for model_type "mistral" and "qwen2" (same module tree and keys).
/// Defaults are HF LlamaConfig's for keys a file omits.
/// </summary>
public sealed record LlamaConfig : ModelConfig
{
    public static readonly IReadOnlyList<string> ModelTypes = ["llama", "mistral", "qwen2"];

    [JsonPropertyName("vocab_size")] public int VocabSizeRaw { get; init; } = 32000;
    [JsonPropertyName("hidden_size")] public int HiddenSizeRaw { get; init; } = 4096;
    [JsonPropertyName("intermediate_size")] public int IntermediateSize { get; init; } = 11008;
    [JsonPropertyName("num_hidden_layers")] public int NumHiddenLayers { get; init; } = 32;
    [JsonPropertyName("num_attention_heads")] public int NumAttentionHeads { get; init; } = 32;
    [JsonPropertyName("num_key_value_heads")] public int? NumKeyValueHeadsRaw { get; init; }
    [JsonPropertyName("head_dim")] public int? HeadDimRaw { get; init; }
    [JsonPropertyName("hidden_act")] public string HiddenAct { get; init; } = "silu";
    [JsonPropertyName("max_position_embeddings")] public int MaxPositionEmbeddings { get; init; } = 2048;
    [JsonPropertyName("rms_norm_eps")] public double RmsNormEps { get; init; } = 1e-6;
    [JsonPropertyName("rope_theta")] public double RopeTheta { get; init; } = 10000.0;
    [JsonPropertyName("rope_scaling")] public RopeScaling? RopeScaling { get; init; }
    [JsonPropertyName("attention_bias")] public bool AttentionBias { get; init; }
    [JsonPropertyName("mlp_bias")] public bool MlpBias { get; init; }
    [JsonPropertyName("attention_dropout")] public double AttentionDropout { get; init; }
    [JsonPropertyName("pretraining_tp")] public int PretrainingTp { get; init; } = 1;
    // Mistral / Qwen2 only.
    [JsonPropertyName("sliding_window")] public int? SlidingWindowRaw { get; init; }
    [JsonPropertyName("use_sliding_window")] public bool? UseSlidingWindow { get; init; }
    [JsonPropertyName("max_window_layers")] public int? MaxWindowLayers { get; init; }
    // Legacy llama checkpoints (transformers 4.27) spelled the context length this way.
    [JsonPropertyName("max_sequence_length")] public int? MaxSequenceLength { get; init; }

    // ---- Derived (the one place defaults depend on other keys) ----
    [JsonIgnore] public override string Architecture => ModelType switch
    {
        "mistral" => "MistralForCausalLM",
        "qwen2" => "Qwen2ForCausalLM",
        _ => "LlamaForCausalLM",
    };
    [JsonIgnore] public override int VocabSize => VocabSizeRaw;
    [JsonIgnore] public override int HiddenSize => HiddenSizeRaw;
    [JsonIgnore] public override int NumLayers => NumHiddenLayers;
    [JsonIgnore] public override int NumHeads => NumAttentionHeads;
    [JsonIgnore] public override int NumKeyValueHeads => NumKeyValueHeadsRaw ?? NumAttentionHeads;
    [JsonIgnore] public override int HeadDim => HeadDimRaw ?? (NumAttentionHeads > 0 ? HiddenSizeRaw / NumAttentionHeads : 0);
    [JsonIgnore] public override int MaxPositions => MaxPositionEmbeddings;
    [JsonIgnore] public override bool TieWordEmbeddings => TieWordEmbeddingsRaw ?? false;
    /// <summary>Qwen2 always has q/k/v bias and no o_proj bias; Llama's attention_bias covers all four.</summary>
    [JsonIgnore] public bool QkvBias => AttentionBias || ModelType == "qwen2";
    [JsonIgnore] public bool OutputBias => AttentionBias && ModelType != "qwen2";
    /// <summary>Keys further back than this are masked (Mistral); null = full causal attention.</summary>
    [JsonIgnore] public int? SlidingWindow => ModelType == "mistral" ? SlidingWindowRaw : null;

    [JsonIgnore] protected override IEnumerable<string> NestedUnmappedKeys =>
        RopeScaling?.UnmappedKeys?.Keys.Select(k => "rope_scaling." + k) ?? [];

    protected override void AddFamilyProblems(List<string> problems)
    {
        if (ModelType is not null && !ModelTypes.Contains(ModelType))
            problems.Add($"model_type '{ModelType}' is not a Llama-family type ({string.Join(", ", ModelTypes)})");
        if (HeadDimRaw is null && NumAttentionHeads > 0 && HiddenSizeRaw % NumAttentionHeads != 0)
            problems.Add($"hidden_size = {HiddenSizeRaw} is not divisible by num_attention_heads = {NumAttentionHeads}");
        if (IntermediateSize <= 0) problems.Add($"intermediate_size = {IntermediateSize} must be > 0");
        if (HiddenAct != "silu") problems.Add($"hidden_act '{HiddenAct}' is not supported (Llama family uses 'silu')");
        if (RmsNormEps <= 0) problems.Add($"rms_norm_eps = {RmsNormEps} must be > 0");
        if (RopeTheta <= 0) problems.Add($"rope_theta = {RopeTheta} must be > 0");
        RopeScaling?.AddProblems(problems);
        if (SlidingWindow is <= 0) problems.Add($"sliding_window = {SlidingWindow} must be > 0 or null");
        if (ModelType == "qwen2" && UseSlidingWindow == true)
            problems.Add("use_sliding_window = true is not supported for qwen2 (per-layer windows); set it to false");
    }
}
