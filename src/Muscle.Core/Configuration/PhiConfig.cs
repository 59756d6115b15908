using System.Text.Json.Serialization;

namespace Muscle.Configuration;

/// <summary>HF PhiConfig (Phi-1, Phi-1.5, Phi-2; model_type "phi"). Defaults are HF PhiConfig's.</summary>
public sealed record PhiConfig : ModelConfig
{
    [JsonPropertyName("vocab_size")] public int VocabSizeRaw { get; init; } = 51200;
    [JsonPropertyName("hidden_size")] public int HiddenSizeRaw { get; init; } = 2048;
    [JsonPropertyName("intermediate_size")] public int IntermediateSize { get; init; } = 8192;
    [JsonPropertyName("num_hidden_layers")] public int NumHiddenLayers { get; init; } = 24;
    [JsonPropertyName("num_attention_heads")] public int NumAttentionHeads { get; init; } = 32;
    [JsonPropertyName("num_key_value_heads")] public int? NumKeyValueHeadsRaw { get; init; }
    [JsonPropertyName("hidden_act")] public string HiddenAct { get; init; } = "gelu_new";
    [JsonPropertyName("max_position_embeddings")] public int MaxPositionEmbeddings { get; init; } = 2048;
    [JsonPropertyName("layer_norm_eps")] public double LayerNormEps { get; init; } = 1e-5;
    [JsonPropertyName("rope_theta")] public double? RopeThetaRaw { get; init; }
    [JsonPropertyName("rope_scaling")] public RopeScaling? RopeScalingRaw { get; init; }
    [JsonPropertyName("rope_parameters")] public RopeScaling? RopeParameters { get; init; }
    [JsonPropertyName("partial_rotary_factor")] public double? PartialRotaryFactorRaw { get; init; }
    [JsonPropertyName("qk_layernorm")] public bool QkLayernorm { get; init; }
    [JsonPropertyName("resid_pdrop")] public double ResidPdrop { get; init; }
    [JsonPropertyName("embd_pdrop")] public double EmbdPdrop { get; init; }
    [JsonPropertyName("attention_dropout")] public double AttentionDropout { get; init; }

    // ---- Derived ----
    [JsonIgnore] public override string Architecture => "PhiForCausalLM";
    [JsonIgnore] public override int VocabSize => VocabSizeRaw;
    [JsonIgnore] public override int HiddenSize => HiddenSizeRaw;
    [JsonIgnore] public override int NumLayers => NumHiddenLayers;
    [JsonIgnore] public override int NumHeads => NumAttentionHeads;
    [JsonIgnore] public override int NumKeyValueHeads => NumKeyValueHeadsRaw ?? NumAttentionHeads;
    [JsonIgnore] public override int HeadDim => NumAttentionHeads > 0 ? HiddenSizeRaw / NumAttentionHeads : 0;
    [JsonIgnore] public override int MaxPositions => MaxPositionEmbeddings;
    [JsonIgnore] public override bool TieWordEmbeddings => TieWordEmbeddingsRaw ?? false;
    /// <summary>RoPE base from <c>rope_parameters</c> (transformers 5) or <c>rope_theta</c> (≤ 4); HF default 10000.</summary>
    [JsonIgnore] public double RopeTheta => Rope.Theta;
    [JsonIgnore] public RopeScaling? RopeScaling => Rope.Scaling;
    /// <summary>From <c>rope_parameters</c> or the top level; HF PhiConfig default 0.5.</summary>
    [JsonIgnore] public double PartialRotaryFactor => Rope.PartialRotaryFactor ?? 0.5;
    /// <summary>HF: int(head_dim * partial_rotary_factor); the rest of each head passes through unrotated.</summary>
    [JsonIgnore] public int RotaryDim => (int)(HeadDim * PartialRotaryFactor);
    [JsonIgnore] private (double Theta, RopeScaling? Scaling, double? PartialRotaryFactor) Rope =>
        RopeScaling.Resolve(RopeThetaRaw, RopeScalingRaw, RopeParameters, PartialRotaryFactorRaw);

    [JsonIgnore] protected override IEnumerable<string> NestedUnmappedKeys =>
        (RopeScalingRaw?.UnmappedPaths("rope_scaling") ?? []).Concat(RopeParameters?.UnmappedPaths("rope_parameters") ?? []);

    protected override void AddFamilyProblems(List<string> problems)
    {
        if (NumAttentionHeads > 0 && HiddenSizeRaw % NumAttentionHeads != 0)
            problems.Add($"hidden_size = {HiddenSizeRaw} is not divisible by num_attention_heads = {NumAttentionHeads}");
        if (IntermediateSize <= 0) problems.Add($"intermediate_size = {IntermediateSize} must be > 0");
        if (!Activations.IsSupported(HiddenAct))
            problems.Add($"hidden_act '{HiddenAct}' is not supported (supported: {string.Join(", ", Activations.Supported)})");
        if (LayerNormEps <= 0) problems.Add($"layer_norm_eps = {LayerNormEps} must be > 0");
        if (RopeThetaRaw is <= 0) problems.Add($"rope_theta = {RopeThetaRaw} must be > 0");
        RopeScaling.Resolve(RopeThetaRaw, RopeScalingRaw, RopeParameters, PartialRotaryFactorRaw, problems);
        if (PartialRotaryFactor is <= 0 or > 1) problems.Add($"partial_rotary_factor = {PartialRotaryFactor} must be in (0, 1]");
        else if (RotaryDim <= 0 || RotaryDim % 2 != 0)
            problems.Add($"partial_rotary_factor = {PartialRotaryFactor} gives rotary dim {RotaryDim}; it must be positive and even");
        if (TieWordEmbeddings) problems.Add("tie_word_embeddings = true is not supported for PhiForCausalLM (published Phi models use false)");
        if (QkLayernorm) problems.Add("qk_layernorm = true is not supported (Phi-1/1.5/2 use false)");
    }
}
