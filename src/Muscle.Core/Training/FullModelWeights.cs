using Muscle.IO;
using Muscle.Models;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Muscle.Training;

/// <summary>
/// Every parameter of a model (full-parameter training, as pretraining does). Weight decay applies to weights with
/// ≥ 2 dimensions only, as HF and nanoGPT do: decaying norm gains and biases pulls normalised activations toward 0.
/// A checkpoint is an HF model directory (config.json + safetensors, tied aliases left out).
/// </summary>
public sealed class FullModelWeights(ICausalLM model, string configPath) : ITrainableWeights
{
    public IEnumerable<(Parameter Parameter, double WeightDecay)> Parameters(double weightDecay)
    {
        var parameters = model.Module.parameters().DistinctBy(p => p.Handle).ToList();
        foreach (var p in parameters) p.requires_grad = true;
        return parameters.Select(p => (p, p.dim() >= 2 ? weightDecay : 0.0));
    }

    public void SetTraining(bool training) => model.Module.train(training);

    public void Save(string dir)
    {
        File.Copy(configPath, Path.Combine(dir, "config.json"), overwrite: true);
        using var scope = NewDisposeScope();
        CheckpointFiles.SaveDirectory(dir, StateDict(model));
    }

    public void Restore(string dir)
    {
        var tensors = CheckpointFiles.LoadDirectory(dir, model.Device());
        try
        {
            StateDictLoader.LoadStrict(model.Module, tensors, dir, strict: true, tiedKeys: model.TiedKeys);
        }
        finally
        {
            foreach (var t in tensors.Values) t.Dispose();
        }
    }

    /// <summary>The state dict as HF saves it: on the CPU, tied aliases (lm_head.weight of a tied model) left out.</summary>
    public static Dictionary<string, Tensor> StateDict(ICausalLM model)
    {
        var tied = model.TiedKeys.ToHashSet(StringComparer.Ordinal);
        return model.Module.state_dict().Where(p => !tied.Contains(p.Key))
            .ToDictionary(p => p.Key, p => p.Value.detach().cpu(), StringComparer.Ordinal);
    }
}
