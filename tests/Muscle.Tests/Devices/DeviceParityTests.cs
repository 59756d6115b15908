using Muscle.Adapters;
using Muscle.Evaluation;
using Muscle.Models;
using Muscle.Tests.Models;
using Muscle.Tokenization;
using Muscle.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Muscle.Tests.Devices;

/// <summary>
/// The same fp32 computation on the CPU and on every other device present gives the same numbers within 1e-4:
/// log-likelihoods (the shared-prefix scorer, padded batches) and one LoRA training step (forward, CE, backward, AdamW).
/// Skipped where the CPU is the only device (see <see cref="AcceleratorFactAttribute"/>).
/// </summary>
public sealed class DeviceParityTests
{
    private static readonly Tolerance Parity = new(1e-4, 1e-4);
    private static readonly LoraConfig Lora = new() { R = 4, LoraAlpha = 8, LoraDropout = 0, TargetModules = ["q_proj", "v_proj"] };

    /// <summary>The model of <paramref name="cpuModel"/>'s config built on <paramref name="device"/> with its exact weights.</summary>
    private static ICausalLM CopyTo(ICausalLM cpuModel, Device device)
    {
        var copy = CausalLMFactory.Create(cpuModel.Config, device);
        using var _ = no_grad();
        var source = cpuModel.Module.state_dict();
        foreach (var (key, target) in copy.Module.state_dict()) target.copy_(source[key]);
        return copy;
    }

    private static IReadOnlyList<EncodedPair> Requests(int vocab) =>
        [.. Enumerable.Range(0, 6).Select(i => new EncodedPair(
            Enumerable.Range(0, 5 + 3 * i).Select(j => 1 + (i * 31 + j * 7) % (vocab - 1)).ToArray(), 3 + i))];

    [AcceleratorFact]
    public void LogLikelihoodsMatchTheCpu()
    {
        torch.manual_seed(11);
        using var cpuModel = CausalLMFactory.Create(TinyConfigs.Llama());
        cpuModel.Freeze();
        var requests = Requests(cpuModel.Config.VocabSize);
        var expected = LoglikelihoodScorer.Score(cpuModel, requests, batchSize: 4, padId: 0);
        foreach (var device in ComputeDevices.Present().Skip(1))
        {
            using var model = CopyTo(cpuModel, device);
            model.Freeze();
            Assert.Equal(device.type, model.Device().type);
            var actual = LoglikelihoodScorer.Score(model, requests, batchSize: 4, padId: 0);
            for (var i = 0; i < requests.Count; i++)
            {
                Parity.AssertClose(expected[i].LogLikelihood, actual[i].LogLikelihood, $"{ComputeDevices.Name(device)} request {i} log-likelihood");
                Assert.Equal(expected[i].IsGreedy, actual[i].IsGreedy);
            }
        }
    }

    [AcceleratorFact]
    public void OneLoraTrainingStepMatchesTheCpu()
    {
        torch.manual_seed(12);
        using var cpuModel = CausalLMFactory.Create(TinyConfigs.Llama());
        var (cpuLoss, cpuWeights) = Step(cpuModel, CPU);
        foreach (var device in ComputeDevices.Present().Skip(1))
        {
            using var model = CopyTo(cpuModel, device);
            var (loss, weights) = Step(model, device);
            Parity.AssertClose(cpuLoss, loss, $"{ComputeDevices.Name(device)} loss");
            Assert.Equal(cpuWeights.Keys.Order(), weights.Keys.Order());
            foreach (var (key, value) in cpuWeights)
                TensorAssert.Close(value, weights[key], Parity, $"{ComputeDevices.Name(device)} {key} after one step");
            foreach (var t in weights.Values) t.Dispose();
        }
        foreach (var t in cpuWeights.Values) t.Dispose();
    }

    /// <summary>Freeze, a seeded LoRA adapter (made on the CPU, then moved: the same init everywhere), one AdamW step.</summary>
    private static (double Loss, Dictionary<string, Tensor> Weights) Step(ICausalLM model, Device device)
    {
        model.Freeze();
        using var adapter = model.AddAdapter(TaskModel.AdapterName, Lora, seed: 5);
        model.SetAdapter(adapter.Name);
        adapter.Train(true);
        var parameters = adapter.Parameters().ToList(); // A, B of each layer, in layer order
        using (no_grad())
        using (var g = new Generator(3, CPU))
            foreach (var b in parameters.Where((_, i) => i % 2 == 1)) // B = 0 at init would hide the A gradient
            {
                using var init = randn(b.shape, generator: g) * 0.02;
                b.copy_(init);
            }
        using var opt = new AdamW(parameters, 1e-2);
        var requests = Requests(model.Config.VocabSize);
        using var batch = CausalBatch.Build(requests, LossOn.Answer, padId: 0, device);
        double loss;
        using (var scope = NewDisposeScope())
        {
            var logits = model.Forward(batch.InputIds, null, batch.AttentionMask);
            var l = LanguageModelLoss.SumCrossEntropy(logits, batch.Labels) / batch.CountedTokens;
            l.backward();
            opt.StepOnce();
            opt.ZeroGrad();
            loss = l.item<float>();
        }
        var weights = parameters.Select((p, i) => (Key: $"{(i % 2 == 0 ? "A" : "B")} of layer {i / 2}", Value: p.detach().cpu().clone()))
            .ToDictionary(p => p.Key, p => p.Value);
        return (loss, weights);
    }
}
