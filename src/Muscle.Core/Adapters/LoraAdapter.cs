using System.Text.Json;
using Muscle.IO;
using Muscle.Infrastructure;
using Muscle.Models;
using Muscle.Modules;
using TorchSharp.Modules;
using TorchSharp;
using static TorchSharp.torch;

namespace Muscle.Adapters;

/// <summary>
/// A named LoRA adapter of a model: its layers are registered children of the model's linear layers
/// (<c>&lt;module path&gt;.adapters.&lt;name&gt;.lora_A.weight</c>), so the model's train/eval, to() and Dispose()
/// reach them. This handle holds the adapter's name, its PEFT config and its layers keyed by HF module path; it saves
/// and loads PEFT's layout: <c>adapter_config.json</c> + <c>adapter_model.safetensors</c> with keys
/// <c>base_model.model.&lt;module path&gt;.lora_A.weight</c> / <c>.lora_B.weight</c> (the name segment stripped).
/// Several adapters may live on one base (teacher and student share it); <see cref="ModelAdapters.SetAdapter"/> picks
/// the active one by name. Disposing the handle deletes the adapter from the model.
/// </summary>
public sealed class LoraAdapter : IDisposable
{
    public const string WeightsFileName = "adapter_model.safetensors";
    private const string KeyPrefix = "base_model.model.";

    private readonly ICausalLM _model;
    private readonly SortedDictionary<string, LoraLayer> _layers;

    /// <summary>Registers <paramref name="layers"/> in <paramref name="model"/>'s linears under <paramref name="name"/>.</summary>
    private LoraAdapter(ICausalLM model, string name, LoraConfig config, SortedDictionary<string, LoraLayer> layers)
    {
        _model = model;
        Name = name;
        Config = config;
        _layers = layers;
        var linears = model.AdaptableLinears();
        foreach (var (path, layer) in layers) linears[path].AddAdapter(name, layer);
        // A new adapter starts in eval mode (dropout off); trainers switch it to training after the base's eval().
        Train(false);
    }

    /// <summary>The adapter's name in the model (PEFT's <c>adapter_name</c>); a state-dict key segment, never in the files.</summary>
    public string Name { get; }

    public LoraConfig Config { get; }

    /// <summary>
    /// LoRA weights stay fp32 even over a bf16 base (PEFT's <c>autocast_adapter_dtype</c> default): bf16 parameters would
    /// round away small AdamW updates. <see cref="LoraLayer"/> casts its input up and its output back.
    /// </summary>
    public const ScalarType AdapterDType = ScalarType.Float32;

    /// <summary>Module path (e.g. <c>model.layers.0.self_attn.q_proj</c>) → its LoRA layer.</summary>
    public IReadOnlyDictionary<string, LoraLayer> Layers => _layers;

    /// <summary>
    /// A fresh adapter named <paramref name="name"/> in <paramref name="model"/>: A Kaiming-uniform from
    /// <paramref name="seed"/>, B zero. It is not activated (<see cref="ModelAdapters.SetAdapter"/>).
    /// </summary>
    public static LoraAdapter Create(ICausalLM model, string name, LoraConfig config, long seed)
    {
        ModelAdapters.CheckNewName(model, name);
        config.Validate("LoRA options");
        var targets = model.AdaptableLinears().Where(p => config.Targets(p.Key)).ToList();
        if (targets.Count == 0)
            throw new MuscleInputException(
                $"LoRA target modules [{string.Join(", ", config.TargetModules ?? [config.TargetRegex ?? ""])}] match no linear layer of the model " +
                $"(it has e.g. {string.Join(", ", model.AdaptableLinears().Keys.Take(4))})");
        using var generator = new Generator((ulong)seed);
        var layers = new SortedDictionary<string, LoraLayer>(StringComparer.Ordinal);
        foreach (var (path, linear) in targets.OrderBy(t => t.Key, StringComparer.Ordinal))
        {
            var layer = new LoraLayer(linear.InFeatures, linear.OutFeatures, config.RankFor(path), config.ScalingFor(path),
                                      config.LoraDropout, generator);
            layer.to(AdapterDType).to(linear.Weight.device);
            layers[path] = layer;
        }
        // PEFT saves "all-linear" expanded to the leaf names it matched; do the same so PEFT reads back the same targets.
        var leafNames = layers.Keys.Select(k => k[(k.LastIndexOf('.') + 1)..]).Distinct().Order(StringComparer.Ordinal).ToList();
        return new LoraAdapter(model, name, config with { TargetModules = leafNames, TargetRegex = null, FanInFanOut = targets[0].Value.IsConv1D }, layers);
    }

    /// <summary>
    /// Loads a PEFT adapter directory into <paramref name="model"/> as adapter <paramref name="name"/> (not activated),
    /// checked as PEFT would build it: the modules with weights must be exactly the linear layers the config targets
    /// (<see cref="LoraConfig.Match"/>), and each pair must have the config's rank: A [r, in], B [out, r].
    /// </summary>
    public static LoraAdapter Load(string dir, ICausalLM model, string name)
    {
        ModelAdapters.CheckNewName(model, name);
        var configPath = Path.Combine(dir, LoraConfig.FileName);
        var config = LoraConfig.Load(dir).WithDefaultTargetsFor(model.Config.Architecture, configPath);
        var weightsPath = Path.Combine(dir, WeightsFileName);
        if (!File.Exists(weightsPath))
            throw new MuscleInputException($"not a PEFT adapter directory: {WeightsFileName} is missing", dir);
        using var scope = NewDisposeScope();
        var tensors = Safetensors.Load(weightsPath);
        FiniteWeights.Check(tensors, weightsPath, "adapter weight");
        var linears = model.AdaptableLinears();
        var paths = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var key in tensors.Keys.Order(StringComparer.Ordinal))
        {
            var (path, _) = SplitKey(key, weightsPath);
            if (!linears.ContainsKey(path))
                throw new MuscleInputException($"adapter weight '{key}' targets module '{path}', which the base model does not have", weightsPath);
            paths.Add(path);
        }
        if (paths.Count == 0) throw new MuscleInputException("adapter holds no LoRA weights", weightsPath);

        // PEFT puts LoRA where the config says and loads the weights into it: weights the config does not target would
        // be dropped ("unexpected keys"), and targeted layers without weights would keep their initialisation.
        foreach (var path in paths)
            if (config.Match(path) is (false, var because))
                throw new MuscleInputException(
                    $"{WeightsFileName} has LoRA weights for '{path}', but {because} in {LoraConfig.FileName} does not select it", configPath);
        foreach (var path in linears.Keys.Order(StringComparer.Ordinal))
            if (!paths.Contains(path) && config.Match(path) is (true, var because))
                throw new MuscleInputException(
                    $"{because} in {LoraConfig.FileName} selects '{path}', but {WeightsFileName} has no LoRA weights for it", configPath);

        var layers = new SortedDictionary<string, LoraLayer>(StringComparer.Ordinal);
        foreach (var path in paths)
        {
            var linear = linears[path];
            var aKey = KeyPrefix + path + ".lora_A.weight";
            var bKey = KeyPrefix + path + ".lora_B.weight";
            if (!tensors.TryGetValue(aKey, out var a) || !tensors.TryGetValue(bKey, out var b))
                throw new MuscleInputException($"adapter for '{path}' lacks {(tensors.ContainsKey(aKey) ? "lora_B" : "lora_A")}.weight", weightsPath);
            var rank = config.RankFor(path);
            if (!a.shape.SequenceEqual([rank, linear.InFeatures]) || !b.shape.SequenceEqual([linear.OutFeatures, rank]))
                throw new MuscleInputException(
                    $"adapter weights for '{path}' have shapes A {Shape(a)}, B {Shape(b)} but the base layer is {linear.InFeatures} → " +
                    $"{linear.OutFeatures} with rank {rank} ({config.RankSource(path)} in {LoraConfig.FileName}): A must be " +
                    $"[{rank}, {linear.InFeatures}] and B [{linear.OutFeatures}, {rank}]", weightsPath);
            var layer = new LoraLayer(linear.InFeatures, linear.OutFeatures, rank, config.ScalingFor(path), config.LoraDropout, null);
            using (no_grad())
            {
                layer.A.copy_(a);
                layer.B.copy_(b);
            }
            layer.to(AdapterDType).to(linear.Weight.device);
            layers[path] = layer;
        }
        return new LoraAdapter(model, name, config, layers);
    }

    private static (string Path, string Part) SplitKey(string key, string file)
    {
        foreach (var part in new[] { ".lora_A.weight", ".lora_B.weight" })
            if (key.StartsWith(KeyPrefix, StringComparison.Ordinal) && key.EndsWith(part, StringComparison.Ordinal))
                return (key[KeyPrefix.Length..^part.Length], part);
        throw new MuscleInputException($"unexpected adapter weight '{key}' (expected base_model.model.<module>.lora_A/B.weight)", file);
    }

    private static string Shape(Tensor t) => "[" + string.Join(", ", t.shape) + "]";

    /// <summary>
    /// PEFT's key → tensor map (aliases of the live parameters; do not dispose them): this adapter's entries of the
    /// model's state dict, <c>&lt;path&gt;.adapters.&lt;name&gt;.lora_A.weight</c>, with the name segment stripped and
    /// PEFT's <c>base_model.model.</c> prefix added.
    /// </summary>
    public Dictionary<string, Tensor> StateDict()
    {
        var segment = "." + AdaptableLinear.AdaptersKey + "." + Name + ".";
        var d = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (key, tensor) in _model.Module.state_dict())
        {
            var at = key.IndexOf(segment, StringComparison.Ordinal);
            if (at < 0) continue;
            d[KeyPrefix + key[..at] + "." + key[(at + segment.Length)..]] = tensor;
        }
        if (d.Count != 2 * _layers.Count)
            throw new InvalidOperationException($"adapter '{Name}' has {_layers.Count} layers but {d.Count} state-dict entries; was it deleted from the model?");
        return d;
    }

    /// <summary>Writes the PEFT directory atomically (a crash leaves the previous adapter, never half of a new one).</summary>
    public void Save(string dir, string? baseModelNameOrPath = null) =>
        AtomicFile.WriteDirectory(dir, tmp => SaveFiles(tmp, baseModelNameOrPath));

    /// <summary>Writes the two PEFT files into an existing directory (callers provide the atomicity).</summary>
    public void SaveFiles(string dir, string? baseModelNameOrPath = null)
    {
        var config = baseModelNameOrPath is null ? Config : Config with { BaseModelNameOrPath = baseModelNameOrPath };
        using var scope = NewDisposeScope();
        var tensors = StateDict().ToDictionary(p => p.Key, p => p.Value.detach().cpu().contiguous());
        Safetensors.Save(Path.Combine(dir, WeightsFileName), tensors, new Dictionary<string, string> { ["format"] = "pt" });
        File.WriteAllText(Path.Combine(dir, LoraConfig.FileName),
                          config.ToJson().ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }

    /// <summary>Overwrites this adapter's weights with <paramref name="other"/>'s (same layers and shapes).</summary>
    public void CopyFrom(LoraAdapter other)
    {
        using var _ = no_grad();
        foreach (var (path, layer) in _layers)
        {
            if (!other._layers.TryGetValue(path, out var src) || !src.A.shape.SequenceEqual(layer.A.shape) || !src.B.shape.SequenceEqual(layer.B.shape))
                throw new MuscleInputException($"adapter layer '{path}' is missing or differently shaped in the adapter being copied");
            layer.A.copy_(src.A);
            layer.B.copy_(src.B);
        }
    }

    /// <summary>
    /// A deep copy with its own parameters, added to the same model as adapter <paramref name="name"/> (not activated):
    /// MUSCLE's student starts as a copy of the new task adapter.
    /// </summary>
    public LoraAdapter Clone(string name)
    {
        ModelAdapters.CheckNewName(_model, name);
        var layers = new SortedDictionary<string, LoraLayer>(StringComparer.Ordinal);
        foreach (var (path, src) in _layers)
        {
            var layer = new LoraLayer(src.InFeatures, src.OutFeatures, src.Rank, src.Scaling, src.Dropout, null);
            layer.to(src.A.dtype).to(src.A.device);
            layers[path] = layer;
        }
        var copy = new LoraAdapter(_model, name, Config, layers);
        copy.CopyFrom(this);
        return copy;
    }

    /// <summary>
    /// Folds ΔW into the base weights (inference only). Refuses non-finite results, as PEFT's safe_merge. If this adapter
    /// was active, none is active afterwards (its change is now in the base); the adapter stays in the model.
    /// </summary>
    public void Merge()
    {
        var linears = _model.AdaptableLinears();
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        foreach (var (path, layer) in _layers)
        {
            var linear = linears[path];
            var merged = linear.Weight + layer.DeltaWeight(linear.IsConv1D).to_type(linear.Weight.dtype);
            if (!merged.isfinite().all().item<bool>())
                throw new MuscleInputException($"merging the adapter into '{path}' gives non-finite weights; the adapter is broken");
            linear.Weight.copy_(merged);
        }
        foreach (var linear in linears.Values)
            if (linear.ActiveAdapter == Name) linear.ActiveAdapter = null;
    }

    public IEnumerable<Parameter> Parameters() => _layers.Values.SelectMany(l => new[] { l.A, l.B });

    public long ParameterCount => _layers.Values.Sum(l => l.A.numel() + l.B.numel());

    /// <summary>Train or eval mode for this adapter's layers only (dropout); the model's train()/eval() also reaches them.</summary>
    public void Train(bool on = true)
    {
        foreach (var l in _layers.Values) l.train(on);
    }

    public void RequiresGrad(bool on)
    {
        foreach (var p in Parameters()) p.requires_grad = on;
    }

    /// <summary>Deletes this adapter from the model (PEFT's <c>delete_adapter</c>) unless that already happened; disposes its layers.</summary>
    public void Dispose()
    {
        if (_layers.Count == 0) return;
        var (path, first) = _layers.First();
        if (_model.AdaptableLinears().TryGetValue(path, out var linear) && ReferenceEquals(linear.AdapterLayer(Name), first))
            _model.DeleteAdapter(Name);
        foreach (var l in _layers.Values) l.Dispose(); // no-op for layers DeleteAdapter (or the model's Dispose) disposed
        _layers.Clear();
    }
}
