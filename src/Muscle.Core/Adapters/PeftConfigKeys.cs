using System.Text.Json;
using System.Text.Json.Nodes;

namespace Muscle.Adapters;

/// <summary>
/// Every <c>adapter_config.json</c> key we know, in one place: the keys <see cref="LoraConfig"/> reads, the keys of
/// features we do not implement (refused unless off), and the keys that do not change the computation of a loaded
/// adapter (inert: checked for type, then ignored). Types are the ones PEFT's <c>LoraConfig</c> dataclass writes
/// (huggingface/peft <c>src/peft/tuners/lora/config.py</c>); a key PEFT writes as a bool and we find as the string
/// "true" is an error, not a guess. Keys not listed here are ignored with a warning, as PEFT's
/// <c>PeftConfig.from_pretrained</c> ignores keys a newer PEFT wrote.
/// </summary>
public static class PeftConfigKeys
{
    // ---------------------------------------------------------------- JSON types, as PEFT writes them

    private static JsonValueKind Kind(JsonNode? n) => n is null ? JsonValueKind.Null : n.GetValueKind();
    private static bool Null(JsonNode? n) => n is null;
    private static bool Bool(JsonNode? n) => Kind(n) is JsonValueKind.True or JsonValueKind.False;
    private static bool String(JsonNode? n) => Kind(n) == JsonValueKind.String;
    private static bool Object(JsonNode? n) => n is JsonObject;
    private static bool Int(JsonNode? n) => n is JsonValue v && Kind(n) == JsonValueKind.Number && v.TryGetValue<int>(out _);
    private static bool Number(JsonNode? n) =>
        n is JsonValue v && Kind(n) == JsonValueKind.Number && v.TryGetValue<double>(out var d) && double.IsFinite(d);
    private static Func<JsonNode?, bool> ArrayOf(Func<JsonNode?, bool> item) => n => n is JsonArray a && a.All(item);
    private static Func<JsonNode?, bool> ObjectOf(Func<JsonNode?, bool> value) => n => n is JsonObject o && o.All(p => value(p.Value));
    private static Func<JsonNode?, bool> Or(params Func<JsonNode?, bool>[] types) => n => types.Any(t => t(n));
    private static bool False(JsonNode? n) => Kind(n) == JsonValueKind.False;
    private static bool NullOrEmpty(JsonNode? n) => n is null || n is JsonArray { Count: 0 };

    private static readonly Func<JsonNode?, bool> Strings = ArrayOf(String);
    private static readonly Func<JsonNode?, bool> NullOrObject = Or(Null, Object);

    // ---------------------------------------------------------------- read by LoraConfig.Load

    public static readonly IReadOnlyList<PeftConfigKey> Read =
    [
        new("peft_type", "a string", String),
        new("task_type", "a string or null", Or(Null, String)),
        new("base_model_name_or_path", "a string or null", Or(Null, String)),
        new("r", "an integer", Int),
        new("lora_alpha", "a number", Number),
        new("lora_dropout", "a number", Number),
        new("target_modules", "a string, a list of strings or null", Or(Null, String, Strings)),
        new("exclude_modules", "a string, a list of strings or null", Or(Null, String, Strings)),
        new("layers_to_transform", "an integer, a list of integers or null", Or(Null, Int, ArrayOf(Int))),
        new("layers_pattern", "a string, a list of strings or null", Or(Null, String, Strings)),
        new("rank_pattern", "an object of integers", Or(Null, ObjectOf(Int))),
        new("alpha_pattern", "an object of numbers", Or(Null, ObjectOf(Number))),
        new("fan_in_fan_out", "a bool", Bool),
        new("use_rslora", "a bool", Bool),
    ];

    // ---------------------------------------------------------------- features that change the computation; refused unless off

    public static readonly IReadOnlyList<PeftConfigKey> Refused =
    [
        new("bias", "a string", String, n => n!.GetValue<string>() == "none",
            "training the base model's biases is not supported (only \"none\")"),
        new("use_dora", "a bool", Bool, False, "DoRA (a learned magnitude per output) is not supported (only false)"),
        new("lora_bias", "a bool", Bool, False, "a bias on lora_B is not supported (only false)"),
        new("use_qalora", "a bool", Bool, False, "QALoRA (pooled inputs to lora_A) is not supported (only false)"),
        new("modules_to_save", "a list of strings or null", Or(Null, Strings), NullOrEmpty,
            "fully trained extra modules are not supported (only null or [])"),
        new("layer_replication", "a list of [start, end] pairs or null", Or(Null, ArrayOf(ArrayOf(Int))), Null,
            "layer replication is not supported (only null)"),
        new("trainable_token_indices", "a list of integers, an object or null", Or(Null, ArrayOf(Int), Object), Null,
            "trainable token embeddings are not supported (only null)"),
        new("target_parameters", "a list of strings or null", Or(Null, Strings), NullOrEmpty,
            "LoRA on bare parameters is not supported (only null or [])"),
        new("alora_invocation_tokens", "a list of integers or null", Or(Null, ArrayOf(Int)), Null,
            "activated LoRA (aLoRA) is not supported (only null)"),
        new("arrow_config", "an object or null", NullOrObject, Null, "Arrow routing is not supported (only null)"),
        new("use_bdlora", "an object or null", NullOrObject, Null, "block-diagonal LoRA is not supported (only null)"),
        new("kasa_config", "an object or null", NullOrObject, Null, "KaSA is not supported (only null)"),
        new("monteclora_config", "an object or null", NullOrObject, Null, "MonteCLoRA is not supported (only null)"),
        new("velora_config", "an object or null", NullOrObject, Null, "VeLoRA is not supported (only null)"),
    ];

    // ---------------------------------------------------------------- inert for a loaded adapter (initialisation, bookkeeping, hub, Megatron)

    public static readonly IReadOnlyList<PeftConfigKey> Inert =
    [
        new("init_lora_weights", "a bool or a string", Or(Bool, String)),
        new("loftq_config", "an object or null", NullOrObject),
        new("eva_config", "an object or null", NullOrObject),
        new("corda_config", "an object or null", NullOrObject),
        new("lora_ga_config", "an object or null", NullOrObject),
        new("revision", "a string or null", Or(Null, String)),
        new("auto_mapping", "an object or null", NullOrObject),
        new("inference_mode", "a bool", Bool),
        new("peft_version", "a string or null", Or(Null, String)),
        new("megatron_config", "an object or null", NullOrObject),
        new("megatron_core", "a string or null", Or(Null, String)),
        new("qalora_group_size", "an integer", Int),
        new("ensure_weight_tying", "a bool", Bool),
    ];

    private static readonly Dictionary<string, PeftConfigKey> ByName =
        Read.Concat(Refused).Concat(Inert).ToDictionary(k => k.Name, StringComparer.Ordinal);

    /// <summary>The key named <paramref name="name"/>, or null when it is not one we know.</summary>
    public static PeftConfigKey? Find(string name) => ByName.GetValueOrDefault(name);

    /// <summary>A value in words for error messages: <c>the string "true"</c>, <c>the number 4.5</c>, <c>null</c>.</summary>
    public static string Describe(JsonNode? n) => Kind(n) switch
    {
        JsonValueKind.Null => "null",
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        JsonValueKind.String => "the string " + Clip(n!.ToJsonString()),
        JsonValueKind.Number => "the number " + Clip(n!.ToJsonString()),
        JsonValueKind.Array => "the list " + Clip(n!.ToJsonString()),
        _ => "the object " + Clip(n!.ToJsonString()),
    };

    private static string Clip(string s) => s.Length <= 60 ? s : s[..57] + "...";
}
