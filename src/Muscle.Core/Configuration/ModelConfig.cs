using System.Text.Json;
using System.Text.Json.Serialization;
using Muscle.Infrastructure;

namespace Muscle.Configuration;

/// <summary>
/// What every decoder config shares. Family records map their own <c>config.json</c> keys; the keys below are
/// the bookkeeping ones HF writes for every family. A key that nothing maps is refused unless
/// <see cref="ConfigKeys"/> lists it as inert. Both dialects are read: transformers ≤ 4 (<c>torch_dtype</c>,
/// <c>rope_theta</c>, <c>rope_scaling</c>) and transformers 5 (<c>dtype</c>, <c>rope_parameters</c>); where a
/// file spells a value both ways, the two must agree.
/// Derived values (head_dim, kv heads, ...) are computed in each family record's "Derived" section, nowhere else.
/// </summary>
public abstract record ModelConfig
{
    [JsonPropertyName("architectures")] public IReadOnlyList<string>? Architectures { get; init; }
    [JsonPropertyName("model_type")] public string? ModelType { get; init; }
    [JsonPropertyName("_name_or_path")] public string? NameOrPath { get; init; }
    [JsonPropertyName("transformers_version")] public string? TransformersVersion { get; init; }
    [JsonPropertyName("torch_dtype")] public string? TorchDtype { get; init; }
    [JsonPropertyName("dtype")] public string? Dtype { get; init; }
    [JsonPropertyName("use_cache")] public bool? UseCache { get; init; }
    [JsonPropertyName("initializer_range")] public double InitializerRange { get; init; } = 0.02;
    [JsonPropertyName("bos_token_id")] public JsonElement? BosTokenId { get; init; }
    [JsonPropertyName("eos_token_id")] public JsonElement? EosTokenId { get; init; }
    [JsonPropertyName("pad_token_id")] public JsonElement? PadTokenId { get; init; }
    [JsonPropertyName("auto_map")] public JsonElement? AutoMap { get; init; }
    [JsonPropertyName("tie_word_embeddings")] public bool? TieWordEmbeddingsRaw { get; init; }

    /// <summary>Keys of the file that no property maps; <see cref="Validate"/> refuses those not in <see cref="ConfigKeys"/>.</summary>
    [JsonExtensionData] public Dictionary<string, JsonElement>? UnmappedKeys { get; init; }

    /// <summary>The config.json this came from, for error messages; null when built in code.</summary>
    [JsonIgnore] public string? SourcePath { get; init; }

    /// <summary>HF class name this config builds (e.g. "LlamaForCausalLM").</summary>
    [JsonIgnore] public abstract string Architecture { get; }
    [JsonIgnore] public abstract int VocabSize { get; }
    [JsonIgnore] public abstract int HiddenSize { get; }
    [JsonIgnore] public abstract int NumLayers { get; }
    [JsonIgnore] public abstract int NumHeads { get; }
    [JsonIgnore] public abstract int NumKeyValueHeads { get; }
    [JsonIgnore] public abstract int HeadDim { get; }
    [JsonIgnore] public abstract int MaxPositions { get; }
    [JsonIgnore] public abstract bool TieWordEmbeddings { get; }

    /// <summary>Keys that nothing maps and that are not known to be inert, as dotted paths, sorted.</summary>
    [JsonIgnore]
    public IReadOnlyList<string> UnimplementedKeys =>
        (UnmappedKeys?.Keys ?? Enumerable.Empty<string>()).Where(k => !ConfigKeys.IsInert(k)).Concat(NestedUnmappedKeys)
            .Order(StringComparer.Ordinal).ToList();

    /// <summary>Unmapped keys of nested objects, as dotted paths (e.g. "rope_scaling.beta_fast").</summary>
    [JsonIgnore] protected virtual IEnumerable<string> NestedUnmappedKeys => [];

    /// <summary>Throws one <see cref="MuscleInputException"/> quoting every bad value; returns this for chaining.</summary>
    public ModelConfig Validate()
    {
        var problems = new List<string>();
        void Positive(string key, long value) { if (value <= 0) problems.Add($"{key} = {value} must be > 0"); }
        Positive("vocab_size", VocabSize);
        Positive("hidden_size", HiddenSize);
        Positive("num_hidden_layers", NumLayers);
        Positive("num_attention_heads", NumHeads);
        Positive("num_key_value_heads", NumKeyValueHeads);
        Positive("max_position_embeddings", MaxPositions);
        if (NumHeads > 0 && NumKeyValueHeads > 0 && NumHeads % NumKeyValueHeads != 0)
            problems.Add($"num_attention_heads = {NumHeads} is not a multiple of num_key_value_heads = {NumKeyValueHeads}");
        if (HeadDim <= 0 || HeadDim % 2 != 0) problems.Add($"head_dim = {HeadDim} must be positive and even");
        if (TorchDtype is not null && Dtype is not null && TorchDtype != Dtype)
            problems.Add($"torch_dtype = '{TorchDtype}' disagrees with dtype = '{Dtype}'");
        foreach (var key in UnimplementedKeys)
            problems.Add($"config key '{key}' is not implemented for {Architecture} and may change the result (refused, not ignored)");
        AddFamilyProblems(problems);
        if (problems.Count > 0)
            throw new MuscleInputException($"invalid {Architecture} config: {string.Join("; ", problems)}", SourcePath);
        return this;
    }

    /// <summary>Family checks; append one quoted message per bad value.</summary>
    protected abstract void AddFamilyProblems(List<string> problems);
}
