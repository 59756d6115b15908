using Muscle.Adapters;
using Muscle.Models;
using TorchSharp.Modules;

namespace Muscle.Training;

/// <summary>A LoRA adapter trained over a frozen base: the base stays in eval mode, only the adapter's dropout trains.</summary>
public sealed class AdapterWeights(ICausalLM model, LoraAdapter adapter, string baseModelName) : ITrainableWeights
{
    public IEnumerable<(Parameter Parameter, double WeightDecay)> Parameters(double weightDecay) =>
        adapter.Parameters().Select(p => (p, weightDecay));

    public void SetTraining(bool training)
    {
        adapter.Train(training);
        model.Module.train(false);
    }

    /// <summary>PEFT layout (adapter_model.safetensors + adapter_config.json).</summary>
    public void Save(string dir) => adapter.SaveFiles(dir, baseModelName);

    public void Restore(string dir)
    {
        using var loaded = LoraAdapter.Load(dir, model);
        adapter.CopyFrom(loaded);
    }
}
