using System.Text.Json;
using Muscle.Infrastructure;

namespace Muscle.Configuration;

/// <summary>Reads an HF <c>config.json</c> into the family record its <c>architectures[0]</c> (or <c>model_type</c>) names.</summary>
public static class ModelConfigLoader
{
    private static readonly Dictionary<string, Type> ByArchitecture = new(StringComparer.Ordinal)
    {
        ["LlamaForCausalLM"] = typeof(LlamaConfig),
        ["MistralForCausalLM"] = typeof(LlamaConfig),
        ["Qwen2ForCausalLM"] = typeof(LlamaConfig),
        ["PhiForCausalLM"] = typeof(PhiConfig),
        ["GPT2LMHeadModel"] = typeof(Gpt2Config),
    };

    private static readonly Dictionary<string, Type> ByModelType = new(StringComparer.Ordinal)
    {
        ["llama"] = typeof(LlamaConfig),
        ["mistral"] = typeof(LlamaConfig),
        ["qwen2"] = typeof(LlamaConfig),
        ["phi"] = typeof(PhiConfig),
        ["gpt2"] = typeof(Gpt2Config),
    };

    public static IReadOnlyCollection<string> SupportedArchitectures => ByArchitecture.Keys;

    /// <summary>Loads and validates; unknown keys end up in <see cref="ModelConfig.Warnings"/>.</summary>
    public static ModelConfig Load(string configJsonPath)
    {
        string text;
        try { text = File.ReadAllText(configJsonPath); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new MuscleInputException($"cannot read model config: {e.Message}", configJsonPath, inner: e);
        }
        return Parse(text, configJsonPath);
    }

    /// <summary>Parses config.json text; <paramref name="sourcePath"/> only labels errors.</summary>
    public static ModelConfig Parse(string json, string? sourcePath = null)
    {
        JsonDocument doc;
        try { doc = JsonDocument.Parse(json); }
        catch (JsonException e)
        {
            throw new MuscleInputException($"config is not valid JSON: {e.Message}", sourcePath, e.LineNumber + 1, e);
        }
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
                throw new MuscleInputException("config must be a JSON object", sourcePath);
            var type = Resolve(doc.RootElement, sourcePath);
            ModelConfig config;
            try
            {
                config = (ModelConfig)(doc.RootElement.Deserialize(type)
                    ?? throw new MuscleInputException("config is empty", sourcePath));
            }
            catch (JsonException e)
            {
                throw new MuscleInputException($"config has a value of the wrong type at {e.Path}: {e.Message}",
                    sourcePath, e.LineNumber + 1, e);
            }
            return (config with { SourcePath = sourcePath }).Validate();
        }
    }

    private static Type Resolve(JsonElement root, string? sourcePath)
    {
        string? architecture = null;
        if (root.TryGetProperty("architectures", out var archs) && archs.ValueKind == JsonValueKind.Array
            && archs.GetArrayLength() > 0 && archs[0].ValueKind == JsonValueKind.String)
            architecture = archs[0].GetString();
        string? modelType = root.TryGetProperty("model_type", out var mt) && mt.ValueKind == JsonValueKind.String
            ? mt.GetString() : null;

        if (architecture is not null && ByArchitecture.TryGetValue(architecture, out var t)) return t;
        if (architecture is null && modelType is not null && ByModelType.TryGetValue(modelType, out t)) return t;
        var name = architecture ?? modelType ?? "(none: no architectures or model_type)";
        throw new MuscleInputException(
            $"unknown architecture '{name}' (supported: {string.Join(", ", ByArchitecture.Keys)})", sourcePath);
    }
}
