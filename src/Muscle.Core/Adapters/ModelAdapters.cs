using Muscle.Models;
using Muscle.Modules;

namespace Muscle.Adapters;

/// <summary>
/// Named adapters of a model, PEFT-style: <see cref="AddAdapter"/> / <see cref="LoadAdapter"/> (PEFT's
/// <c>add_adapter</c> / <c>load_adapter</c>), <see cref="SetAdapter"/> (<c>set_adapter</c>), <see cref="DeleteAdapter"/>
/// (<c>delete_adapter</c>) and <see cref="DisableAdapter"/> (the <c>disable_adapter()</c> context manager). The state
/// lives in the module tree: each <see cref="AdaptableLinear"/> holds its layers by name as registered children and
/// knows the active name, so nothing here is stored outside the model.
/// </summary>
public static class ModelAdapters
{
    /// <summary>A fresh LoRA adapter named <paramref name="name"/> (A Kaiming-uniform from <paramref name="seed"/>, B zero); not activated.</summary>
    public static LoraAdapter AddAdapter(this ICausalLM model, string name, LoraConfig config, long seed) =>
        LoraAdapter.Create(model, name, config, seed);

    /// <summary>Loads a PEFT adapter directory as adapter <paramref name="name"/>; not activated.</summary>
    public static LoraAdapter LoadAdapter(this ICausalLM model, string dir, string name) => LoraAdapter.Load(dir, model, name);

    /// <summary>The adapter names the model holds, in ordinal order.</summary>
    public static IReadOnlyList<string> AdapterNames(this ICausalLM model) =>
        model.AdaptableLinears().Values.SelectMany(l => l.AdapterNames).Distinct().Order(StringComparer.Ordinal).ToList();

    /// <summary>The active adapter's name, or null when none is active.</summary>
    public static string? ActiveAdapter(this ICausalLM model) =>
        model.AdaptableLinears().Values.Select(l => l.ActiveAdapter).FirstOrDefault(n => n is not null);

    /// <summary>Makes adapter <paramref name="name"/> the one added to every adapted linear (the others add nothing).</summary>
    public static void SetAdapter(this ICausalLM model, string name)
    {
        var linears = model.AdaptableLinears().Values;
        if (!linears.Any(l => l.AdapterLayer(name) is not null))
            throw new ArgumentException($"the model has no adapter named '{name}' (it has: {Names(model)})", nameof(name));
        foreach (var linear in linears) linear.ActiveAdapter = name;
    }

    /// <summary>Activates <paramref name="name"/> until the returned scope is disposed, then restores the adapter active before.</summary>
    public static IDisposable UseAdapter(this ICausalLM model, string name)
    {
        var before = model.ActiveAdapter();
        model.SetAdapter(name);
        return new Scope(() =>
        {
            foreach (var linear in model.AdaptableLinears().Values) linear.ActiveAdapter = before;
        });
    }

    /// <summary>Base-model output until the returned scope is disposed (PEFT's <c>with model.disable_adapter():</c>).</summary>
    public static IDisposable DisableAdapter(this ICausalLM model)
    {
        var linears = model.AdaptableLinears().Values.ToList();
        var before = linears.Select(l => l.AdaptersDisabled).ToList();
        foreach (var linear in linears) linear.AdaptersDisabled = true;
        return new Scope(() =>
        {
            for (var i = 0; i < linears.Count; i++) linears[i].AdaptersDisabled = before[i];
        });
    }

    /// <summary>Unregisters and disposes adapter <paramref name="name"/>'s layers; if it was active, none is active afterwards.</summary>
    public static void DeleteAdapter(this ICausalLM model, string name)
    {
        var linears = model.AdaptableLinears().Values;
        if (!linears.Any(l => l.AdapterLayer(name) is not null))
            throw new ArgumentException($"the model has no adapter named '{name}' (it has: {Names(model)})", nameof(name));
        foreach (var linear in linears)
        {
            linear.RemoveAdapter(name)?.Dispose();
            if (linear.ActiveAdapter == name) linear.ActiveAdapter = null;
        }
    }

    /// <summary>Throws unless <paramref name="name"/> can name a module (non-empty, no '.') and the model lacks it.</summary>
    internal static void CheckNewName(ICausalLM model, string name)
    {
        if (string.IsNullOrEmpty(name) || name.Contains('.'))
            throw new ArgumentException($"adapter name '{name}' must be non-empty and contain no '.' (it becomes a state-dict key segment)", nameof(name));
        if (model.AdaptableLinears().Values.Any(l => l.AdapterLayer(name) is not null))
            throw new ArgumentException($"the model already has an adapter named '{name}'; delete it first or choose another name", nameof(name));
    }

    private static string Names(ICausalLM model) =>
        model.AdapterNames() is { Count: > 0 } names ? string.Join(", ", names) : "none";

    private sealed class Scope(Action undo) : IDisposable
    {
        private Action? _undo = undo;

        public void Dispose()
        {
            _undo?.Invoke();
            _undo = null;
        }
    }
}
