using Muscle.Infrastructure;
using Muscle.Models;
using Muscle.Tokenization;
using static TorchSharp.torch;

namespace Muscle.Adapters;

/// <summary>
/// A task model as users ship it: an HF base directory, its tokenizer, and optionally a PEFT LoRA adapter plugged in.
/// Loading follows the fixed order: build → strict load → move → freeze → attach the adapter.
/// </summary>
public sealed class TaskModel : IDisposable
{
    private TaskModel(ICausalLM model, MuscleTokenizer tokenizer, LoraAdapter? adapter, string modelDir)
    {
        Model = model;
        Tokenizer = tokenizer;
        Adapter = adapter;
        ModelDir = modelDir;
    }

    public ICausalLM Model { get; }
    public MuscleTokenizer Tokenizer { get; }
    public LoraAdapter? Adapter { get; }
    public string ModelDir { get; }

    public static TaskModel Load(string modelDir, string? adapterDir = null, ScalarType dtype = ScalarType.Float32, Device? device = null)
    {
        if (!Directory.Exists(modelDir)) throw new MuscleInputException("model directory not found", modelDir);
        if (adapterDir is not null && !Directory.Exists(adapterDir)) throw new MuscleInputException("adapter directory not found", adapterDir);
        var tokenizer = MuscleTokenizer.FromDirectory(modelDir);
        var model = CausalLMFactory.FromPretrained(modelDir, device, dtype);
        try
        {
            model.Freeze();
            if (tokenizer.VocabSize > model.Config.VocabSize)
                throw new MuscleInputException(
                    $"the tokenizer has {tokenizer.VocabSize} tokens but the model's vocab_size is {model.Config.VocabSize}", modelDir);
            var adapter = adapterDir is null ? null : LoraAdapter.Load(adapterDir, model);
            adapter?.AttachTo(model);
            adapter?.Train(false);
            return new TaskModel(model, tokenizer, adapter, modelDir);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        Adapter?.Dispose();
        Model.Dispose();
    }
}
