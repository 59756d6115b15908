using System.Text.Json.Nodes;
using Muscle.Adapters;
using Muscle.IO;
using Muscle.Infrastructure;
using Muscle.Models;
using Muscle.Tests.Models;
using static TorchSharp.torch;

namespace Muscle.Tests.Adapters;

/// <summary>
/// adapter_config.json against adapter_model.safetensors, as PEFT 0.21 reads them: small adapter directories written to
/// a temporary folder for a tiny two-layer Llama. The config decides where LoRA goes (target_modules, exclude_modules,
/// layers_to_transform, layers_pattern) and with which rank (r, rank_pattern); the weights must agree. Keys have the
/// JSON types PEFT writes, and features we do not implement are refused by name.
/// </summary>
public sealed class PeftConfigTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("muscle-peft-config-").FullName;
    private readonly ICausalLM _model = CausalLMFactory.Create(TinyConfigs.Llama());
    private int _count;

    public void Dispose()
    {
        _model.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    /// <summary>Every key PEFT 0.21 writes, with its default value (as in ../shared/data/hf5/*/adapter).</summary>
    private static JsonObject Peft021Config(JsonNode? targets) => new()
    {
        ["alora_invocation_tokens"] = null, ["alpha_pattern"] = new JsonObject(), ["arrow_config"] = null,
        ["auto_mapping"] = new JsonObject { ["base_model_class"] = "LlamaForCausalLM", ["parent_library"] = "transformers.models.llama.modeling_llama" },
        ["base_model_name_or_path"] = null, ["bias"] = "none", ["corda_config"] = null, ["ensure_weight_tying"] = false,
        ["eva_config"] = null, ["exclude_modules"] = null, ["fan_in_fan_out"] = false, ["inference_mode"] = true,
        ["init_lora_weights"] = false, ["kasa_config"] = null, ["layer_replication"] = null, ["layers_pattern"] = null,
        ["layers_to_transform"] = null, ["loftq_config"] = new JsonObject(), ["lora_alpha"] = 4, ["lora_bias"] = false,
        ["lora_dropout"] = 0.0, ["lora_ga_config"] = null, ["megatron_config"] = null, ["megatron_core"] = "megatron.core",
        ["modules_to_save"] = null, ["monteclora_config"] = null, ["peft_type"] = "LORA", ["peft_version"] = "0.21.0",
        ["qalora_group_size"] = 16, ["r"] = 2, ["rank_pattern"] = new JsonObject(), ["revision"] = null,
        ["target_modules"] = targets, ["target_parameters"] = null, ["task_type"] = null, ["trainable_token_indices"] = null,
        ["use_bdlora"] = null, ["use_dora"] = false, ["use_qalora"] = false, ["use_rslora"] = false, ["velora_config"] = null,
    };

    private static JsonObject QvConfig() => Peft021Config(new JsonArray("q_proj", "v_proj"));

    /// <summary>The model's linear layers whose last name is one of <paramref name="leaves"/>, in the given layers (all when null).</summary>
    private string[] Modules(int[]? layers, params string[] leaves) =>
        _model.AdaptableLinears().Keys
            .Where(p => leaves.Contains(p[(p.LastIndexOf('.') + 1)..]))
            .Where(p => layers is null || layers.Any(i => p.StartsWith($"model.layers.{i}.", StringComparison.Ordinal)))
            .Order(StringComparer.Ordinal).ToArray();

    /// <summary>Writes a PEFT directory: <paramref name="config"/> and random A [r, in], B [out, r] for each module.</summary>
    private string Write(JsonObject config, IEnumerable<string> modules, Func<string, int>? rank = null)
    {
        var dir = Path.Combine(_dir, $"a{_count++}");
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, LoraConfig.FileName), config.ToJsonString());
        using var scope = NewDisposeScope();
        var linears = _model.AdaptableLinears();
        var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var m in modules)
        {
            var r = rank?.Invoke(m) ?? 2;
            tensors[$"base_model.model.{m}.lora_A.weight"] = randn(r, linears[m].InFeatures);
            tensors[$"base_model.model.{m}.lora_B.weight"] = randn(linears[m].OutFeatures, r);
        }
        Safetensors.Save(Path.Combine(dir, LoraAdapter.WeightsFileName), tensors, new Dictionary<string, string> { ["format"] = "pt" });
        return dir;
    }

    private int _loads;

    /// <summary>Each load gets its own adapter name: a test may hold one adapter while loading another.</summary>
    private LoraAdapter Load(string dir) => LoraAdapter.Load(dir, _model, $"a{++_loads}");

    private MuscleInputException Refused(string dir, params string[] mustName)
    {
        var e = Assert.Throws<MuscleInputException>(() => Load(dir).Dispose());
        foreach (var s in mustName) Assert.Contains(s, e.Message);
        Assert.DoesNotContain('\n', e.OneLine());
        return e;
    }

    private static void NamesTheConfigFile(MuscleInputException e, string dir) =>
        Assert.Equal(Path.Combine(dir, LoraConfig.FileName), e.File);

    // ---------------------------------------------------------------- the config and the weights agree

    [Fact]
    public void APeft021ConfigWithMatchingWeightsLoads()
    {
        var dir = Write(QvConfig(), Modules(null, "q_proj", "v_proj"));
        using var adapter = Load(dir);
        Assert.Equal(Modules(null, "q_proj", "v_proj"), adapter.Layers.Keys);
        Assert.All(adapter.Layers.Values, l => Assert.Equal(2.0, l.Scaling));
    }

    [Fact]
    public void WeightsForAModuleTheConfigDoesNotTargetAreAnError()
    {
        var config = Peft021Config(new JsonArray("q_proj"));
        var dir = Write(config, Modules(null, "q_proj", "v_proj"));
        NamesTheConfigFile(Refused(dir, "'model.layers.0.self_attn.v_proj'", "target_modules"), dir);
    }

    [Fact]
    public void ATargetedModuleWithoutWeightsIsAnError()
    {
        var config = Peft021Config(new JsonArray("q_proj", "k_proj", "v_proj"));
        var dir = Write(config, Modules(null, "q_proj", "v_proj"));
        NamesTheConfigFile(Refused(dir, "'model.layers.0.self_attn.k_proj'", "target_modules", "no LoRA weights"), dir);
    }

    [Fact]
    public void FullModulePathsAsPeftSavesAllLinearAreExactMatches()
    {
        var modules = Modules([1], "q_proj", "down_proj");
        var dir = Write(Peft021Config(new JsonArray(modules.Select(m => (JsonNode?)m).ToArray())), modules);
        using var adapter = Load(dir);
        Assert.Equal(modules, adapter.Layers.Keys);
    }

    [Fact]
    public void AllLinearTargetsEveryBlockLinear()
    {
        var all = _model.AdaptableLinears().Keys.Order(StringComparer.Ordinal).ToArray();
        using (var adapter = Load(Write(Peft021Config("all-linear"), all))) Assert.Equal(all, adapter.Layers.Keys);
        Refused(Write(Peft021Config("ALL-LINEAR"), all.Where(m => !m.EndsWith("up_proj")).ToArray()), "up_proj", "target_modules");
    }

    [Fact]
    public void ARegexTargetIsAFullMatch()
    {
        var config = Peft021Config(@"model\.layers\.0\.self_attn\.(q|v)_proj");
        using (var adapter = Load(Write(config, Modules([0], "q_proj", "v_proj")))) Assert.Equal(2, adapter.Layers.Count);
        Refused(Write(config, Modules(null, "q_proj", "v_proj")), "'model.layers.1.self_attn.q_proj'", "target_modules");
    }

    [Fact]
    public void ANullTargetListIsPeftsDefaultForTheArchitecture()
    {
        // PEFT's TRANSFORMERS_MODELS_TO_LORA_TARGET_MODULES_MAPPING["llama"] is q_proj, v_proj.
        var config = Peft021Config(null);
        using (var adapter = Load(Write(config, Modules(null, "q_proj", "v_proj"))))
            Assert.Equal(Modules(null, "q_proj", "v_proj"), adapter.Layers.Keys);
        config.Remove("target_modules");
        Refused(Write(config, Modules(null, "q_proj", "k_proj", "v_proj")), "k_proj", "target_modules");
    }

    [Fact]
    public void ExcludeModulesRemovesTargets()
    {
        var config = Peft021Config("all-linear");
        config["exclude_modules"] = new JsonArray("v_proj", "mlp.down_proj");
        var kept = _model.AdaptableLinears().Keys.Where(k => !k.EndsWith(".v_proj") && !k.EndsWith(".down_proj")).ToArray();
        using (var adapter = Load(Write(config, kept))) Assert.Equal(kept.Length, adapter.Layers.Count);
        Refused(Write(config, _model.AdaptableLinears().Keys), "'model.layers.0.mlp.down_proj'", "exclude_modules");
        config["exclude_modules"] = @".*\.1\..*";
        using (var adapter = Load(Write(config, _model.AdaptableLinears().Keys.Where(k => k.Contains(".0."))))) Assert.Equal(7, adapter.Layers.Count);
    }

    [Fact]
    public void LayersToTransformAsAnIntOrAListSelectsLayers()
    {
        var config = QvConfig();
        config["layers_to_transform"] = 1;
        using (var adapter = Load(Write(config, Modules([1], "q_proj", "v_proj")))) Assert.Equal(Modules([1], "q_proj", "v_proj"), adapter.Layers.Keys);
        // weights on layer 0 as well: PEFT would not put LoRA there
        Refused(Write(config, Modules(null, "q_proj", "v_proj")), "'model.layers.0.self_attn.q_proj'", "layers_to_transform");
        config["layers_to_transform"] = new JsonArray(0, 1);
        // layer 1 selected but missing
        Refused(Write(config, Modules([0], "q_proj", "v_proj")), "'model.layers.1.self_attn.q_proj'", "layers_to_transform", "no LoRA weights");
    }

    [Fact]
    public void LayersPatternNamesTheModuleListTheIndexFollows()
    {
        var config = QvConfig();
        config["layers_to_transform"] = new JsonArray(0);
        config["layers_pattern"] = "layers";
        using (var adapter = Load(Write(config, Modules([0], "q_proj", "v_proj")))) Assert.Equal(2, adapter.Layers.Count);
        config["layers_pattern"] = new JsonArray("h", "blocks"); // GPT-2's name: no index found in model.layers.{i}
        Refused(Write(config, Modules([0], "q_proj", "v_proj")), "'model.layers.0.self_attn.q_proj'", "layers_pattern");
    }

    [Fact]
    public void TheLayerIndexIsReadAsPeftDoes()
    {
        var any = new LoraConfig { TargetModules = ["q_proj"], LayersToTransform = [3] };
        Assert.Equal(3, any.LayerIndex("model.layers.3.self_attn.q_proj"));
        Assert.Equal(3, any.LayerIndex("transformer.h.3.attn.c_attn"));
        Assert.Null(any.LayerIndex("lm_head"));
        Assert.Null(any.LayerIndex("layers.3.q_proj")); // PEFT's regex needs a segment before the list name
        Assert.Equal(1, any.LayerIndex("model.layers.1.mlp.experts.0.up_proj")); // the layer, not the expert
        var named = any with { LayersPattern = ["h"] };
        Assert.Null(named.LayerIndex("model.layers.3.self_attn.q_proj"));
        Assert.Equal(3, named.LayerIndex("transformer.h.3.attn.c_attn"));
        // an exact path in target_modules is not narrowed by layers_to_transform (PEFT checks it first)
        Assert.True((any with { TargetModules = ["model.layers.0.self_attn.q_proj"] }).Targets("model.layers.0.self_attn.q_proj"));
        Assert.False(any.Targets("model.layers.0.self_attn.q_proj"));
    }

    [Fact]
    public void ALayerFilterWithAStringTargetIsRefusedAsPeftDoes()
    {
        foreach (var (key, value) in new (string, JsonNode)[] { ("layers_to_transform", 0), ("layers_pattern", "layers") })
        {
            var config = Peft021Config("all-linear");
            config[key] = value;
            var dir = Write(config, _model.AdaptableLinears().Keys);
            NamesTheConfigFile(Refused(dir, key, "target_modules is a string"), dir);
        }
        var patternOnly = QvConfig();
        patternOnly["layers_pattern"] = "layers";
        Refused(Write(patternOnly, Modules(null, "q_proj", "v_proj")), "layers_pattern", "layers_to_transform");
    }

    // ---------------------------------------------------------------- ranks

    [Fact]
    public void RankPatternSetsTheRankOfMatchingModules()
    {
        var config = QvConfig();
        config["rank_pattern"] = new JsonObject { ["v_proj"] = 1 };
        config["alpha_pattern"] = new JsonObject { [@"layers\.1\.self_attn\.q_proj"] = 8 };
        using (var adapter = Load(Write(config, Modules(null, "q_proj", "v_proj"), m => m.EndsWith("v_proj") ? 1 : 2)))
        {
            Assert.Equal(1, adapter.Layers["model.layers.0.self_attn.v_proj"].Rank);
            Assert.Equal(4.0, adapter.Layers["model.layers.0.self_attn.v_proj"].Scaling);
            Assert.Equal(2.0, adapter.Layers["model.layers.0.self_attn.q_proj"].Scaling);
            Assert.Equal(4.0, adapter.Layers["model.layers.1.self_attn.q_proj"].Scaling);
        }
        var e = Refused(Write(config, Modules(null, "q_proj", "v_proj")), "'model.layers.0.self_attn.v_proj'", "rank 1", "rank_pattern[\"v_proj\"]");
        Assert.EndsWith(LoraAdapter.WeightsFileName, e.File);
        Refused(Write(QvConfig(), Modules(null, "q_proj", "v_proj"), _ => 3), "'model.layers.0.self_attn.q_proj'", "rank 2", "(r in");
    }

    // ---------------------------------------------------------------- features we do not implement

    public static TheoryData<string, string> RefusedValues => new()
    {
        { "use_dora", "true" },
        { "lora_bias", "true" },
        { "use_qalora", "true" },
        { "bias", "\"all\"" },
        { "bias", "\"lora_only\"" },
        { "modules_to_save", "[\"lm_head\"]" },
        { "layer_replication", "[[0, 1], [0, 2]]" },
        { "trainable_token_indices", "[1, 2]" },
        { "trainable_token_indices", "{\"embed_tokens\": [1]}" },
        { "target_parameters", "[\"mlp.experts.down_proj\"]" },
        { "alora_invocation_tokens", "[5, 6]" },
        { "arrow_config", "{\"top_k\": 2}" },
        { "use_bdlora", "{}" },
        { "kasa_config", "{}" },
        { "monteclora_config", "{}" },
        { "velora_config", "{}" },
    };

    [Theory]
    [MemberData(nameof(RefusedValues))]
    public void AFeatureWeDoNotImplementIsRefusedByName(string key, string json)
    {
        var config = QvConfig();
        config[key] = JsonNode.Parse(json);
        var dir = Write(config, Modules(null, "q_proj", "v_proj"));
        NamesTheConfigFile(Refused(dir, key + " = ", "not supported"), dir);
    }

    [Fact]
    public void OffValuesOfRefusedFeaturesLoad()
    {
        var config = QvConfig();
        config["modules_to_save"] = new JsonArray();
        config["target_parameters"] = new JsonArray();
        using var adapter = Load(Write(config, Modules(null, "q_proj", "v_proj")));
        Assert.Equal(4, adapter.Layers.Count);
    }

    // ---------------------------------------------------------------- JSON types as PEFT writes them

    public static TheoryData<string, string> WrongTypes => new()
    {
        { "use_dora", "\"true\"" },
        { "use_dora", "\"false\"" },
        { "use_dora", "1" },
        { "lora_bias", "\"false\"" },
        { "use_rslora", "\"true\"" },
        { "fan_in_fan_out", "\"false\"" },
        { "inference_mode", "\"true\"" },
        { "ensure_weight_tying", "0" },
        { "r", "\"2\"" },
        { "r", "2.5" },
        { "r", "null" },
        { "lora_alpha", "\"4\"" },
        { "lora_dropout", "\"0.1\"" },
        { "qalora_group_size", "\"16\"" },
        { "target_modules", "7" },
        { "target_modules", "[\"q_proj\", 1]" },
        { "exclude_modules", "{}" },
        { "layers_to_transform", "\"0\"" },
        { "layers_to_transform", "[0, \"1\"]" },
        { "layers_pattern", "3" },
        { "rank_pattern", "{\"v_proj\": \"1\"}" },
        { "rank_pattern", "[]" },
        { "alpha_pattern", "{\"v_proj\": \"8\"}" },
        { "init_lora_weights", "1" },
        { "loftq_config", "\"none\"" },
        { "bias", "false" },
        { "modules_to_save", "\"lm_head\"" },
        { "peft_type", "null" },
        { "task_type", "1" },
        { "revision", "1" },
        { "auto_mapping", "\"LlamaForCausalLM\"" },
    };

    [Theory]
    [MemberData(nameof(WrongTypes))]
    public void AValueOfTheWrongJsonTypeIsAnErrorNamingTheKey(string key, string json)
    {
        var config = QvConfig();
        config[key] = JsonNode.Parse(json);
        var dir = Write(config, Modules(null, "q_proj", "v_proj"));
        var e = Refused(dir, key + " must be ", "as PEFT writes it");
        NamesTheConfigFile(e, dir);
        Assert.Contains(key, Assert.Throws<MuscleInputException>(() => LoraConfig.Load(dir)).Message); // no model needed
    }

    [Fact]
    public void InertKeysPassWhateverTheirValueAndUnknownKeysWarn()
    {
        var config = QvConfig();
        config["init_lora_weights"] = "pissa_niter_4";
        config["loftq_config"] = new JsonObject { ["loftq_bits"] = 4 };
        config["eva_config"] = new JsonObject { ["rho"] = 2.0 };
        config["corda_config"] = new JsonObject();
        config["lora_ga_config"] = null;
        config["revision"] = "main";
        config["auto_mapping"] = null;
        config["inference_mode"] = false;
        config["megatron_config"] = new JsonObject();
        config["megatron_core"] = null;
        config["task_type"] = "CAUSAL_LM";
        config["base_model_name_or_path"] = "meta-llama/Llama-3.2-1B";
        using var adapter = Load(Write(config, Modules(null, "q_proj", "v_proj")));
        Assert.Equal(4, adapter.Layers.Count);
        config["some_future_key"] = true;
        var e = Assert.Throws<MuscleInputException>(() => Load(Write(config, Modules(null, "q_proj", "v_proj"))));
        Assert.Contains("key 'some_future_key' is not a PEFT LoRA key", e.Message);
    }

    [Fact]
    public void TheKeyListsAreDisjointAndCoverEveryKeyPeft021Writes()
    {
        var names = PeftConfigKeys.Read.Concat(PeftConfigKeys.Refused).Concat(PeftConfigKeys.Inert).Select(k => k.Name).ToList();
        Assert.Equal(names.Count, names.Distinct().Count());
        Assert.All(Peft021Config(null).Select(p => p.Key), k => Assert.Contains(k, names));
        Assert.All(PeftConfigKeys.Refused, k => Assert.NotNull(k.IsOff));
    }

    [Fact]
    public void WhatWeSaveReadsBackWithTheSamePlacement()
    {
        var config = QvConfig();
        config["layers_to_transform"] = new JsonArray(1);
        config["layers_pattern"] = "layers";
        config["exclude_modules"] = new JsonArray("nothing_here");
        using var adapter = Load(Write(config, Modules([1], "q_proj", "v_proj")));
        var again = Path.Combine(_dir, "saved");
        adapter.Save(again);
        using var reloaded = Load(again);
        Assert.Equal(adapter.Layers.Keys, reloaded.Layers.Keys);
        Assert.Equal([1], reloaded.Config.LayersToTransform!);
    }
}
