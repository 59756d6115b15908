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
    [JsonPropertyName("rope_theta")] public double? RopeThetaRaw { get; init; }
    [JsonPropertyName("rope_scaling")] public RopeScaling? RopeScalingRaw { get; init; }
    [JsonPropertyName("rope_parameters")] public RopeScaling? RopeParameters { get; init; }
    [JsonPropertyName("attention_bias")] public bool AttentionBias { get; init; }
    [JsonPropertyName("mlp_bias")] public bool MlpBias { get; init; }
    [JsonPropertyName("attention_dropout")] public double AttentionDropout { get; init; }
    [JsonPropertyName("pretraining_tp")] public int PretrainingTp { get; init; } = 1;
    // Mistral / Qwen2 only.
    [JsonPropertyName("sliding_window")] public int? SlidingWindowRaw { get; init; }
    [JsonPropertyName("use_sliding_window")] public bool? UseSlidingWindow { get; init; }
    [JsonPropertyName("max_window_layers")] public int? MaxWindowLayers { get; init; }
    // transformers 5: one attention kind per layer ("full_attention" / "sliding_attention").
    [JsonPropertyName("layer_types")] public IReadOnlyList<string>? LayerTypes { get; init; }
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
    /// <summary>RoPE base from <c>rope_parameters</c> (transformers 5) or <c>rope_theta</c> (≤ 4); HF default 10000.</summary>
    [JsonIgnore] public double RopeTheta => Rope.Theta;
    /// <summary>RoPE scaling from either dialect; null for plain RoPE.</summary>
    [JsonIgnore] public RopeScaling? RopeScaling => Rope.Scaling;
    [JsonIgnore] private (double Theta, RopeScaling? Scaling, double? PartialRotaryFactor) Rope =>
        RopeScaling.Resolve(RopeThetaRaw, RopeScalingRaw, RopeParameters, null);
    /// <summary>The attention kind HF runs at each layer with this config.</summary>
    [JsonIgnore] public string LayerType => SlidingWindow is null ? "full_attention" : "sliding_attention";

    [JsonIgnore] protected override IEnumerable<string> NestedUnmappedKeys =>
        (RopeScalingRaw?.UnmappedPaths("rope_scaling") ?? []).Concat(RopeParameters?.UnmappedPaths("rope_parameters") ?? []);

    protected override void AddFamilyProblems(List<string> problems)
    {
        if (ModelType is not null && !ModelTypes.Contains(ModelType))
            problems.Add($"model_type '{ModelType}' is not a Llama-family type ({string.Join(", ", ModelTypes)})");
        if (HeadDimRaw is null && NumAttentionHeads > 0 && HiddenSizeRaw % NumAttentionHeads != 0)
            problems.Add($"hidden_size = {HiddenSizeRaw} is not divisible by num_attention_heads = {NumAttentionHeads}");
        if (IntermediateSize <= 0) problems.Add($"intermediate_size = {IntermediateSize} must be > 0");
        if (HiddenAct != "silu") problems.Add($"hidden_act '{HiddenAct}' is not supported (Llama family uses 'silu')");
        if (RmsNormEps <= 0) problems.Add($"rms_norm_eps = {RmsNormEps} must be > 0");
        if (RopeThetaRaw is <= 0) problems.Add($"rope_theta = {RopeThetaRaw} must be > 0");
        var (_, _, partial) = RopeScaling.Resolve(RopeThetaRaw, RopeScalingRaw, RopeParameters, null, problems);
        if (partial is { } f && f != 1.0)
            problems.Add($"rope_parameters.partial_rotary_factor = {f} is not supported for {Architecture} (rotates the whole head)");
        if (LayerTypes is not null)
        {
            if (LayerTypes.Count != NumHiddenLayers)
                problems.Add($"layer_types has {LayerTypes.Count} entries for num_hidden_layers = {NumHiddenLayers}");
            for (var i = 0; i < LayerTypes.Count; i++)
                if (LayerTypes[i] != LayerType)
                {
                    problems.Add($"layer_types[{i}] = '{LayerTypes[i]}' is not supported for {Architecture} with this config (every layer runs '{LayerType}')");
                    break;
                }
        }
        if (SlidingWindow is <= 0) problems.Add($"sliding_window = {SlidingWindow} must be > 0 or null");
        if (ModelType == "qwen2" && UseSlidingWindow == true)
            problems.Add("use_sliding_window = true is not supported for qwen2 (per-layer windows); set it to false");
    }
}
