using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Muscle.Infrastructure;

namespace Muscle.Adapters;

/// <summary>
/// PEFT's <c>adapter_config.json</c> for LoRA (peft_type LORA, task_type CAUSAL_LM or null). Which modules get LoRA
/// follows PEFT's <c>check_target_module_exists</c> (huggingface/peft <c>tuners_utils.py</c>): <c>exclude_modules</c>
/// first, then <c>target_modules</c> as a full-match regex (a string), <c>all-linear</c>, or a list whose entries match a
/// path equal to them or ending in "." + entry; only the suffix case is narrowed by <c>layers_to_transform</c> and
/// <c>layers_pattern</c>. Per-module <c>rank_pattern</c>/<c>alpha_pattern</c> override r/α the same way PEFT does.
/// The keys we read, refuse and ignore are listed in <see cref="PeftConfigKeys"/>.
/// </summary>
public sealed record LoraConfig
{
    public int R { get; init; } = 8;
    public double LoraAlpha { get; init; } = 16;
    public double LoraDropout { get; init; }
    /// <summary>Module names or a regex; null or <c>all-linear</c> means every block linear layer (lm_head excluded).</summary>
    public IReadOnlyList<string>? TargetModules { get; init; }
    public string? TargetRegex { get; init; }
    /// <summary>
    /// True when the file has no (or a null) <c>target_modules</c>: PEFT then uses its per-architecture default
    /// (<see cref="WithDefaultTargetsFor"/>), so the targets are only known once the base model is.
    /// </summary>
    public bool DefaultTargets { get; init; }
    /// <summary><c>exclude_modules</c> as a list (exact path or "." + suffix), or as a full-match regex.</summary>
    public IReadOnlyList<string>? ExcludeModules { get; init; }
    public string? ExcludeRegex { get; init; }
    /// <summary>Layer indices; null or empty means every layer (PEFT: an int is a one-element list).</summary>
    public IReadOnlyList<int>? LayersToTransform { get; init; }
    /// <summary>Names of the module list holding the layers (e.g. <c>layers</c>, <c>h</c>); null: any name.</summary>
    public IReadOnlyList<string>? LayersPattern { get; init; }
    public string? BaseModelNameOrPath { get; init; }
    public bool FanInFanOut { get; init; }
    public bool UseRsLora { get; init; }
    public IReadOnlyDictionary<string, int> RankPattern { get; init; } = new Dictionary<string, int>();
    public IReadOnlyDictionary<string, double> AlphaPattern { get; init; } = new Dictionary<string, double>();

    public const string AllLinear = "all-linear";

    public bool Targets(string modulePath) => Match(modulePath).Targeted;

    /// <summary>
    /// Whether PEFT selects <paramref name="modulePath"/> (a linear layer of the model), and the config key that
    /// decided it: <c>exclude_modules</c>, <c>target_modules</c>, <c>layers_to_transform</c> or <c>layers_pattern</c>.
    /// </summary>
    public (bool Targeted, string Key) Match(string modulePath)
    {
        if (DefaultTargets)
            throw new InvalidOperationException("target_modules is PEFT's per-architecture default; call WithDefaultTargetsFor first");
        if (ExcludeRegex is not null && FullMatch(ExcludeRegex, modulePath)) return (false, "exclude_modules");
        if (ExcludeModules is not null && ListMatch(ExcludeModules, modulePath)) return (false, "exclude_modules");
        if (TargetRegex is not null) return (FullMatch(TargetRegex, modulePath), "target_modules");
        if (TargetModules is null || TargetModules is [AllLinear]) return (true, "target_modules");
        if (TargetModules.Contains(modulePath)) return (true, "target_modules"); // an exact path ignores the layer filter
        if (!ListMatch(TargetModules, modulePath)) return (false, "target_modules");
        if (LayersToTransform is not { Count: > 0 }) return (true, "target_modules");
        var index = LayerIndex(modulePath);
        if (index is null) return (false, LayersPattern is { Count: > 0 } ? "layers_pattern" : "layers_to_transform");
        return (LayersToTransform.Contains(index.Value), "layers_to_transform");
    }

    /// <summary>
    /// The layer index PEFT reads from a module path: the number after the first "&lt;name&gt;." (any name, or one of
    /// <see cref="LayersPattern"/>) that has something before it, e.g. 3 in <c>model.layers.3.mlp.up_proj</c> or
    /// <c>transformer.h.3.attn.c_attn</c>. Recent PEFT matches lazily (the first index, not an MoE expert index after
    /// it); for the paths our models have, with one index each, the lazy and the older greedy match agree.
    /// </summary>
    public int? LayerIndex(string modulePath)
    {
        var patterns = LayersPattern is { Count: > 0 } ? LayersPattern : [@"[^.]*"];
        foreach (var pattern in patterns)
        {
            var m = Regex.Match(modulePath, @"^.*?\.(?:" + pattern + @")\.(\d+)\.");
            if (m.Success && int.TryParse(m.Groups[1].ValueSpan, out var i)) return i;
        }
        return null;
    }

    private static bool FullMatch(string regex, string path) => Regex.IsMatch(path, "^(?:" + regex + @")\z");

    private static bool ListMatch(IReadOnlyList<string> names, string path) =>
        names.Any(t => path == t || path.EndsWith("." + t, StringComparison.Ordinal));

    /// <summary>
    /// PEFT's <c>TRANSFORMERS_MODELS_TO_LORA_TARGET_MODULES_MAPPING</c> (huggingface/peft <c>utils/constants.py</c>)
    /// for the architectures we load: what PEFT targets when <c>target_modules</c> is null.
    /// </summary>
    private static readonly Dictionary<string, string[]> PeftDefaultTargets = new(StringComparer.Ordinal)
    {
        ["LlamaForCausalLM"] = ["q_proj", "v_proj"],
        ["MistralForCausalLM"] = ["q_proj", "v_proj"],
        ["Qwen2ForCausalLM"] = ["q_proj", "v_proj"],
        ["PhiForCausalLM"] = ["q_proj", "v_proj", "fc1", "fc2"],
        ["GPT2LMHeadModel"] = ["c_attn"],
    };

    /// <summary>This config with a null <c>target_modules</c> replaced by PEFT's default for <paramref name="architecture"/>.</summary>
    public LoraConfig WithDefaultTargetsFor(string architecture, string source)
    {
        if (!DefaultTargets) return this;
        if (!PeftDefaultTargets.TryGetValue(architecture, out var targets))
            throw new MuscleInputException($"target_modules is null and PEFT has no default targets for {architecture}; list them", source);
        return this with { DefaultTargets = false, TargetModules = targets };
    }

    public int RankFor(string modulePath) => Pattern(RankPattern, modulePath)?.Value ?? R;

    public double AlphaFor(string modulePath) => Pattern(AlphaPattern, modulePath)?.Value ?? LoraAlpha;

    /// <summary>Where the rank of <paramref name="modulePath"/> comes from, for messages: <c>rank_pattern["v_proj"]</c> or <c>r</c>.</summary>
    public string RankSource(string modulePath) =>
        Pattern(RankPattern, modulePath) is { } p ? $"rank_pattern[\"{p.Key}\"]" : "r";

    /// <summary>α/r, or α/√r with rsLoRA.</summary>
    public double ScalingFor(string modulePath)
    {
        var r = RankFor(modulePath);
        return AlphaFor(modulePath) / (UseRsLora ? Math.Sqrt(r) : r);
    }

    // PEFT's get_pattern_key: the first pattern key (insertion order) that matches "(.*\.)?({key})$" wins.
    private static KeyValuePair<string, T>? Pattern<T>(IReadOnlyDictionary<string, T> patterns, string path) where T : struct
    {
        foreach (var p in patterns)
            if (Regex.IsMatch(path, @"^(?:.*\.)?(?:" + p.Key + @")\z")) return p;
        return null;
    }

    public void Validate(string source)
    {
        if (R <= 0) throw new MuscleInputException($"LoRA rank r must be > 0, got {R}", source);
        if (!(LoraAlpha > 0)) throw new MuscleInputException($"lora_alpha must be > 0, got {LoraAlpha}", source);
        if (LoraDropout is < 0 or >= 1) throw new MuscleInputException($"lora_dropout must be in [0, 1), got {LoraDropout}", source);
        foreach (var (key, r) in RankPattern)
            if (r <= 0) throw new MuscleInputException($"rank_pattern[\"{key}\"] must be > 0, got {r}", source);
        foreach (var (key, alpha) in AlphaPattern)
            if (!(alpha > 0)) throw new MuscleInputException($"alpha_pattern[\"{key}\"] must be > 0, got {alpha}", source);
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

        try { return Parse(o, path); }
        catch (Exception e) when (e is InvalidOperationException or FormatException or JsonException or ArgumentException)
        {
            throw new MuscleInputException($"bad value in adapter config: {e.Message}", path);
        }
    }

    private static LoraConfig Parse(JsonObject o, string path)
    {
        // 1. Every known key has the JSON type PEFT writes ("use_dora": "true" is not a bool).
        var unknown = new List<string>();
        foreach (var (name, node) in o)
        {
            if (PeftConfigKeys.Find(name) is not { } key) { unknown.Add(name); continue; }
            if (!key.HasType(node))
                throw new MuscleInputException($"{name} must be {key.Expected} as PEFT writes it, got {PeftConfigKeys.Describe(node)}", path);
        }
        // A key PEFT 0.21 does not write may be a newer feature that changes the computation: refused, never ignored.
        if (unknown.Count > 0)
            throw new MuscleInputException(
                $"{FileName} key '{unknown[0]}' is not a PEFT LoRA key muscle knows (PEFT 0.21); it may change the result, so it is refused", path);
        // 2. Features we do not implement must be off.
        foreach (var key in PeftConfigKeys.Refused)
            if (o.TryGetPropertyValue(key.Name, out var node) && !key.IsOff!(node))
                throw new MuscleInputException($"{key.Name} = {PeftConfigKeys.Describe(node)}: {key.Feature}", path);

        string? Str(string k) => o[k] is JsonValue v ? v.GetValue<string>() : null;
        IReadOnlyList<string>? Strs(string k) => o[k] is JsonArray a ? a.Select(n => n!.GetValue<string>()).ToList() : null;
        var peftType = Str("peft_type");
        if (peftType is not null && peftType != "LORA") throw new MuscleInputException($"unsupported peft_type '{peftType}' (only LORA)", path);
        var taskType = Str("task_type");
        if (taskType is not null && taskType != "CAUSAL_LM") throw new MuscleInputException($"unsupported task_type '{taskType}' (only CAUSAL_LM)", path);

        var targetString = Str("target_modules");
        var allLinear = string.Equals(targetString, AllLinear, StringComparison.OrdinalIgnoreCase); // PEFT lower-cases it
        var layers = o["layers_to_transform"] switch
        {
            null => null,
            JsonArray a => a.Select(n => n!.GetValue<int>()).ToList(),
            var n => (IReadOnlyList<int>)[n.GetValue<int>()],
        };
        var layersPattern = Strs("layers_pattern") ?? (Str("layers_pattern") is { } lp ? [lp] : null);
        // LoraConfig.__post_init__ (huggingface/peft tuners/lora/config.py): the layer filter needs a list of names.
        if (targetString is not null && o["layers_to_transform"] is not null)
            throw new MuscleInputException($"layers_to_transform cannot be used when target_modules is a string ('{targetString}'); PEFT refuses it", path);
        if (targetString is not null && o["layers_pattern"] is not null)
            throw new MuscleInputException($"layers_pattern cannot be used when target_modules is a string ('{targetString}'); PEFT refuses it", path);
        if (layersPattern is { Count: > 0 } && layers is not { Count: > 0 })
            throw new MuscleInputException("layers_pattern is set but layers_to_transform is not; PEFT refuses it", path);

        var config = new LoraConfig
        {
            R = o["r"]?.GetValue<int>() ?? 8,
            LoraAlpha = o["lora_alpha"]?.GetValue<double>() ?? 8,
            LoraDropout = o["lora_dropout"]?.GetValue<double>() ?? 0,
            TargetModules = allLinear ? null : Strs("target_modules"),
            TargetRegex = allLinear ? null : targetString,
            DefaultTargets = o["target_modules"] is null,
            ExcludeModules = Strs("exclude_modules"),
            ExcludeRegex = Str("exclude_modules"),
            LayersToTransform = layers,
            LayersPattern = layersPattern,
            BaseModelNameOrPath = Str("base_model_name_or_path"),
            FanInFanOut = o["fan_in_fan_out"]?.GetValue<bool>() ?? false,
            UseRsLora = o["use_rslora"]?.GetValue<bool>() ?? false,
            RankPattern = (o["rank_pattern"] as JsonObject)?.ToDictionary(p => p.Key, p => p.Value!.GetValue<int>()) ?? [],
            AlphaPattern = (o["alpha_pattern"] as JsonObject)?.ToDictionary(p => p.Key, p => p.Value!.GetValue<double>()) ?? [],
        };
        config.Validate(path);
        CheckRegex("target_modules", config.TargetRegex, path);
        CheckRegex("exclude_modules", config.ExcludeRegex, path);
        foreach (var p in config.LayersPattern ?? []) CheckRegex("layers_pattern", p, path);
        foreach (var k in config.RankPattern.Keys) CheckRegex("rank_pattern", k, path);
        foreach (var k in config.AlphaPattern.Keys) CheckRegex("alpha_pattern", k, path);
        return config;
    }

    private static void CheckRegex(string key, string? regex, string path)
    {
        if (regex is null) return;
        try { _ = new Regex(regex); }
        catch (ArgumentException e) { throw new MuscleInputException($"{key} '{regex}' is not a valid regular expression: {e.Message}", path); }
    }

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
        ["exclude_modules"] = ExcludeRegex is not null ? ExcludeRegex
                            : ExcludeModules is null ? null
                            : new JsonArray(ExcludeModules.Select(t => (JsonNode?)t).ToArray()),
        ["layers_pattern"] = LayersPattern is null ? null : new JsonArray(LayersPattern.Select(t => (JsonNode?)t).ToArray()),
        ["layers_to_transform"] = LayersToTransform is null ? null : new JsonArray(LayersToTransform.Select(t => (JsonNode?)t).ToArray()),
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
