using System.Text.Json;
using Muscle.Configuration;
using Muscle.Infrastructure;
using Muscle.Models;
using Muscle.Tokenization;
using static TorchSharp.torch;

namespace Muscle.Adapters;

/// <summary>
/// A task model as users ship it: an HF base directory, its tokenizer, and optionally a PEFT LoRA adapter, added to
/// the model under <see cref="AdapterName"/> and active. Loading follows the fixed order: build → strict load → move →
/// freeze → add the adapter (after the strict load, so adapter keys never meet the base checkpoint's).
/// </summary>
public sealed class TaskModel : IDisposable
{
    private TaskModel(ICausalLM model, MuscleTokenizer tokenizer, LoraAdapter? adapter, string modelDir)
    {
        Model = model;
        Tokenizer = tokenizer;
        Adapter = adapter;
        ModelDir = modelDir;
        Warnings = [.. tokenizer.Warnings, .. SpecialIdWarnings(model.Config, tokenizer.VocabSize)];
    }

    /// <summary>PEFT's default adapter name, used for the task adapter.</summary>
    public const string AdapterName = "default";

    public ICausalLM Model { get; }
    public MuscleTokenizer Tokenizer { get; }
    public LoraAdapter? Adapter { get; }
    public string ModelDir { get; }

    /// <summary>What loaded but transformers would warn about (special ids outside the vocabulary), one line each.</summary>
    public IReadOnlyList<string> Warnings { get; }

    public static TaskModel Load(string modelDir, string? adapterDir = null, ScalarType dtype = ScalarType.Float32, Device? device = null)
    {
        if (!Directory.Exists(modelDir)) throw new MuscleInputException("model directory not found", modelDir);
        if (adapterDir is not null && !Directory.Exists(adapterDir)) throw new MuscleInputException("adapter directory not found", adapterDir);
        if (Conversion.Llama2cDirectory.ConversionHint(modelDir) is { } hint) throw new MuscleInputException(hint, modelDir);
        var tokenizer = MuscleTokenizer.FromDirectory(modelDir);
        var model = CausalLMFactory.FromPretrained(modelDir, device, dtype);
        try
        {
            model.Freeze();
            if (tokenizer.VocabSize > model.Config.VocabSize)
                throw new MuscleInputException(
                    $"the tokenizer has {tokenizer.VocabSize} tokens but the model's vocab_size is {model.Config.VocabSize}", modelDir);
            var adapter = adapterDir is null ? null : LoraAdapter.Load(adapterDir, model, AdapterName);
            if (adapter is not null) model.SetAdapter(adapter.Name);
            return new TaskModel(model, tokenizer, adapter, modelDir);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>config.json's bos/eos/pad_token_id outside the tokenizer's ids; nothing here uses them, transformers warns.</summary>
    private static IEnumerable<string> SpecialIdWarnings(ModelConfig config, int vocabSize)
    {
        var outside = new List<string>();
        foreach (var (key, value) in new[] { ("bos_token_id", config.BosTokenId), ("eos_token_id", config.EosTokenId), ("pad_token_id", config.PadTokenId) })
        {
            if (value is not { } v) continue;
            var ids = v.ValueKind == JsonValueKind.Array ? v.EnumerateArray().ToList() : [v];
            var bad = ids.Where(e => e.ValueKind == JsonValueKind.Number && e.TryGetInt64(out var id) && (id < 0 || id >= vocabSize))
                .Select(e => e.GetRawText()).Distinct().ToList();
            if (bad.Count > 0) outside.Add($"{key} {string.Join(", ", bad)}");
        }
        return outside.Count == 0 ? [] : [MuscleTokenizer.OutsideWarning(config.SourcePath ?? "config.json", outside, vocabSize)];
    }

    public void Dispose()
    {
        Adapter?.Dispose();
        Model.Dispose();
    }
}
