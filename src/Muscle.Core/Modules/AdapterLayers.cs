using static TorchSharp.torch;

namespace Muscle.Modules;

/// <summary>
/// The adapter layers of one <see cref="AdaptableLinear"/>, keyed by adapter name and registered as this module's
/// children, so the model's <c>train()</c>/<c>eval()</c>, <c>to(device/dtype)</c>, <c>parameters()</c> and
/// <c>Dispose()</c> reach them (PEFT keeps its <c>lora_A</c>/<c>lora_B</c> <c>ModuleDict</c>s the same way).
/// TorchSharp's <c>ModuleDict</c> registers only what it holds when its parent registers it; this container is built
/// empty at construction and registers (<c>register_module</c>) and unregisters each layer as it comes and goes.
/// </summary>
public sealed class AdapterLayers : nn.Module
{
    // Not a Module or Tensor field, so registration ignores it: a typed index over the registered children.
    private readonly Dictionary<string, nn.Module<Tensor, Tensor>> _byName = new(StringComparer.Ordinal);

    public AdapterLayers() : base(nameof(AdapterLayers))
    {
        RegisterComponents();
    }

    /// <summary>Adapter names, in the order they were added.</summary>
    public IEnumerable<string> Names => named_children().Select(c => c.name);

    public int Count => _byName.Count;

    public bool TryGet(string name, out nn.Module<Tensor, Tensor> layer) => _byName.TryGetValue(name, out layer!);

    /// <summary>Registers <paramref name="layer"/> under <paramref name="name"/> (not a key yet; no '.').</summary>
    public void Add(string name, nn.Module<Tensor, Tensor> layer)
    {
        ArgumentNullException.ThrowIfNull(layer);
        if (_byName.ContainsKey(name)) throw new ArgumentException($"an adapter named '{name}' is already there", nameof(name));
        register_module(name, layer);
        _byName.Add(name, layer);
    }

    /// <summary>Unregisters the layer named <paramref name="name"/> and returns it (the caller disposes it); null if absent.</summary>
    public nn.Module<Tensor, Tensor>? Remove(string name)
    {
        if (!_byName.Remove(name, out var layer)) return null;
        register_module(name, null!); // TorchSharp: registering null under a name removes that child
        return layer;
    }
}
