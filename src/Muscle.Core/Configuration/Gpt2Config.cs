using System.Text.Json;
using System.Text.Json.Serialization;

namespace Muscle.Configuration;

/// <summary>HF GPT2Config (model_type "gpt2"). Defaults are HF GPT2Config's.</summary>
public sealed record Gpt2Config : ModelConfig
{
    [JsonPropertyName("vocab_size")] public int VocabSizeRaw { get; init; } = 50257;
    [JsonPropertyName("n_positions")] public int NPositions { get; init; } = 1024;
    [JsonPropertyName("n_ctx")] public int? NCtx { get; init; }
    [JsonPropertyName("n_embd")] public int NEmbd { get; init; } = 768;
    [JsonPropertyName("n_layer")] public int NLayer { get; init; } = 12;
    [JsonPropertyName("n_head")] public int NHead { get; init; } = 12;
    [JsonPropertyName("n_inner")] public int? NInner { get; init; }
    [JsonPropertyName("activation_function")] public string ActivationFunction { get; init; } = "gelu_new";
    [JsonPropertyName("layer_norm_epsilon")] public double LayerNormEpsilon { get; init; } = 1e-5;
    [JsonPropertyName("scale_attn_weights")] public bool ScaleAttnWeights { get; init; } = true;
    [JsonPropertyName("scale_attn_by_inverse_layer_idx")] public bool ScaleAttnByInverseLayerIdx { get; init; }
    [JsonPropertyName("reorder_and_upcast_attn")] public bool ReorderAndUpcastAttn { get; init; }
    [JsonPropertyName("add_cross_attention")] public bool AddCrossAttention { get; init; }
    [JsonPropertyName("resid_pdrop")] public double ResidPdrop { get; init; } = 0.1;
    [JsonPropertyName("embd_pdrop")] public double EmbdPdrop { get; init; } = 0.1;
    [JsonPropertyName("attn_pdrop")] public double AttnPdrop { get; init; } = 0.1;
    // Sequence-classification head settings; GPT2LMHeadModel has no such head.
    [JsonPropertyName("summary_type")] public string? SummaryType { get; init; }
    [JsonPropertyName("summary_use_proj")] public bool? SummaryUseProj { get; init; }
    [JsonPropertyName("summary_activation")] public string? SummaryActivation { get; init; }
    [JsonPropertyName("summary_proj_to_labels")] public bool? SummaryProjToLabels { get; init; }
    [JsonPropertyName("summary_first_dropout")] public double? SummaryFirstDropout { get; init; }
    [JsonPropertyName("task_specific_params")] public JsonElement? TaskSpecificParams { get; init; }

    // ---- Derived ----
    [JsonIgnore] public override string Architecture => "GPT2LMHeadModel";
    [JsonIgnore] public override int VocabSize => VocabSizeRaw;
    [JsonIgnore] public override int HiddenSize => NEmbd;
    [JsonIgnore] public override int NumLayers => NLayer;
    [JsonIgnore] public override int NumHeads => NHead;
    [JsonIgnore] public override int NumKeyValueHeads => NHead;
    [JsonIgnore] public override int HeadDim => NHead > 0 ? NEmbd / NHead : 0;
    [JsonIgnore] public override int MaxPositions => NPositions;
    /// <summary>GPT2LMHeadModel always ties lm_head to wte (HF default true; false is refused).</summary>
    [JsonIgnore] public override bool TieWordEmbeddings => TieWordEmbeddingsRaw ?? true;
    [JsonIgnore] public int InnerSize => NInner ?? 4 * NEmbd;

    protected override void AddFamilyProblems(List<string> problems)
    {
        if (NHead > 0 && NEmbd % NHead != 0) problems.Add($"n_embd = {NEmbd} is not divisible by n_head = {NHead}");
        if (InnerSize <= 0) problems.Add($"n_inner = {InnerSize} must be > 0");
        if (!Activations.IsSupported(ActivationFunction))
            problems.Add($"activation_function '{ActivationFunction}' is not supported (supported: {string.Join(", ", Activations.Supported)})");
        if (LayerNormEpsilon <= 0) problems.Add($"layer_norm_epsilon = {LayerNormEpsilon} must be > 0");
        if (ScaleAttnByInverseLayerIdx) problems.Add("scale_attn_by_inverse_layer_idx = true is not supported");
        if (AddCrossAttention) problems.Add("add_cross_attention = true is not supported (decoder-only)");
        if (!TieWordEmbeddings) problems.Add("tie_word_embeddings = false is not supported for GPT2LMHeadModel");
    }
}
