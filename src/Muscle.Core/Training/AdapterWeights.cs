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
        model.Module.train(false); // reaches every adapter of the model (the teacher's too), so before the trained one
        adapter.Train(training);
    }

    /// <summary>PEFT layout (adapter_model.safetensors + adapter_config.json).</summary>
    public void Save(string dir) => adapter.SaveFiles(dir, baseModelName);

    public void Restore(string dir)
    {
        // Read through a temporary adapter of the same model (checked as any load); disposing it deletes it again.
        using var loaded = LoraAdapter.Load(dir, model, adapter.Name + "_restore");
        adapter.CopyFrom(loaded);
    }
}
