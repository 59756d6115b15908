using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Muscle.Infrastructure;

namespace Muscle.Adapters;

/// <summary>
/// PEFT's <c>adapter_config.json</c> for LoRA (peft_type LORA, task_type CAUSAL_LM). Target matching follows PEFT:
/// a string is a full-match regex over module paths (or <c>all-linear</c>), a list matches a path equal to an entry or
/// ending in "." + entry. Per-module <c>rank_pattern</c>/<c>alpha_pattern</c> override r/α the same way PEFT does.
/// </summary>
public sealed record LoraConfig
{
    public int R { get; init; } = 8;
    public double LoraAlpha { get; init; } = 16;
    public double LoraDropout { get; init; }
    /// <summary>Module names or a regex; null or <c>all-linear</c> means every block linear layer (lm_head excluded).</summary>
    public IReadOnlyList<string>? TargetModules { get; init; }
    public string? TargetRegex { get; init; }
    public string? BaseModelNameOrPath { get; init; }
    public bool FanInFanOut { get; init; }
    public bool UseRsLora { get; init; }
    public IReadOnlyDictionary<string, int> RankPattern { get; init; } = new Dictionary<string, int>();
    public IReadOnlyDictionary<string, double> AlphaPattern { get; init; } = new Dictionary<string, double>();

    public const string AllLinear = "all-linear";

    public bool Targets(string modulePath)
    {
        if (TargetRegex is not null) return Regex.IsMatch(modulePath, "^(?:" + TargetRegex + ")$");
        if (TargetModules is null || TargetModules.Count == 0 || TargetModules is [AllLinear]) return true;
        return TargetModules.Any(t => modulePath == t || modulePath.EndsWith("." + t, StringComparison.Ordinal));
    }

    public int RankFor(string modulePath) => Pattern(RankPattern, modulePath) ?? R;

    public double AlphaFor(string modulePath) => Pattern(AlphaPattern, modulePath) ?? LoraAlpha;

    /// <summary>α/r, or α/√r with rsLoRA.</summary>
    public double ScalingFor(string modulePath)
    {
        var r = RankFor(modulePath);
        return AlphaFor(modulePath) / (UseRsLora ? Math.Sqrt(r) : r);
    }

    // PEFT: the first pattern key (insertion order) that matches "(.*\.)?{key}$" wins.
    private static T? Pattern<T>(IReadOnlyDictionary<string, T> patterns, string path) where T : struct
    {
        foreach (var (key, value) in patterns)
            if (Regex.IsMatch(path, @"^(?:.*\.)?" + key + "$")) return value;
        return null;
    }

    public void Validate(string source)
    {
        if (R <= 0) throw new MuscleInputException($"LoRA rank r must be > 0, got {R}", source);
        if (!(LoraAlpha > 0)) throw new MuscleInputException($"lora_alpha must be > 0, got {LoraAlpha}", source);
        if (LoraDropout is < 0 or >= 1) throw new MuscleInputException($"lora_dropout must be in [0, 1), got {LoraDropout}", source);
    }

    public const string FileName = "adapter_config.json";

    public static LoraConfig Load(string dir)
    {
        var path = Path.Combine(dir, FileName);
        if (!File.Exists(path)) throw new MuscleInputException($"not a PEFT adapter directory: {FileName} is missing", dir);
        JsonObject o;
        try
        {
            o = JsonNode.Parse(File.ReadAllText(path)) as JsonObject ?? throw new JsonException("not a JSON object");
            _ = o.Count; // JsonObject builds its dictionary lazily: a duplicate key throws only here
        }
        catch (JsonException e) { throw new MuscleInputException($"invalid JSON: {e.Message}", path, e.LineNumber + 1); }
        catch (ArgumentException e) { throw new MuscleInputException($"invalid JSON: {e.Message}", path); }

        string? Str(string k) => o[k] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
        var peftType = Str("peft_type");
        if (peftType is not null && peftType != "LORA") throw new MuscleInputException($"unsupported peft_type '{peftType}' (only LORA)", path);
        var taskType = Str("task_type");
        if (taskType is not null && taskType != "CAUSAL_LM") throw new MuscleInputException($"unsupported task_type '{taskType}' (only CAUSAL_LM)", path);
        if (o["use_dora"] is JsonValue d && d.GetValueKind() == JsonValueKind.True) throw new MuscleInputException("DoRA adapters (use_dora) are not supported", path);
        var bias = Str("bias");
        if (bias is not null && bias != "none") throw new MuscleInputException($"unsupported bias '{bias}' (only \"none\")", path);
        if (o["modules_to_save"] is JsonArray { Count: > 0 }) throw new MuscleInputException("modules_to_save is not supported", path);

        try
        {
            var config = new LoraConfig
            {
                R = o["r"]?.GetValue<int>() ?? 8,
                LoraAlpha = o["lora_alpha"]?.GetValue<double>() ?? 8,
                LoraDropout = o["lora_dropout"]?.GetValue<double>() ?? 0,
                TargetModules = o["target_modules"] is JsonArray arr ? arr.Select(n => NotNull(n, "target_modules").GetValue<string>()).ToList()
                              : Str("target_modules") == AllLinear ? [AllLinear] : null,
                TargetRegex = Str("target_modules") is { } s && s != AllLinear ? s : null,
                BaseModelNameOrPath = Str("base_model_name_or_path"),
                FanInFanOut = o["fan_in_fan_out"]?.GetValue<bool>() ?? false,
                UseRsLora = o["use_rslora"]?.GetValue<bool>() ?? false,
                RankPattern = (o["rank_pattern"] as JsonObject)?.ToDictionary(p => p.Key, p => NotNull(p.Value, "rank_pattern").GetValue<int>()) ?? [],
                AlphaPattern = (o["alpha_pattern"] as JsonObject)?.ToDictionary(p => p.Key, p => NotNull(p.Value, "alpha_pattern").GetValue<double>()) ?? [],
            };
            config.Validate(path);
            return config;
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException or JsonException)
        {
            throw new MuscleInputException($"bad value in adapter config: {e.Message}", path);
        }
    }

    private static JsonNode NotNull(JsonNode? node, string key) => node ?? throw new FormatException($"{key} holds null");

    /// <summary>The JSON PEFT writes (all keys PEFT 0.13 reads), so PEFT's <c>PeftModel.from_pretrained</c> accepts it.</summary>
    public JsonObject ToJson() => new()
    {
        ["alpha_pattern"] = new JsonObject(AlphaPattern.Select(p => KeyValuePair.Create(p.Key, (JsonNode?)p.Value))),
        ["auto_mapping"] = null,
        ["base_model_name_or_path"] = BaseModelNameOrPath,
        ["bias"] = "none",
        ["fan_in_fan_out"] = FanInFanOut,
        ["inference_mode"] = true,
        ["init_lora_weights"] = true,
        ["layers_pattern"] = null,
        ["layers_to_transform"] = null,
        ["lora_alpha"] = LoraAlpha,
        ["lora_dropout"] = LoraDropout,
        ["modules_to_save"] = null,
        ["peft_type"] = "LORA",
        ["r"] = R,
        ["rank_pattern"] = new JsonObject(RankPattern.Select(p => KeyValuePair.Create(p.Key, (JsonNode?)p.Value))),
        ["revision"] = null,
        ["target_modules"] = TargetRegex is not null ? TargetRegex
                           : TargetModules is null ? AllLinear
                           : new JsonArray(TargetModules.Select(t => (JsonNode?)t).ToArray()),
        ["task_type"] = "CAUSAL_LM",
        ["use_dora"] = false,
        ["use_rslora"] = UseRsLora,
    };
}
