using AdamW = Muscle.Training.AdamW;
using Muscle.Adapters;
using Muscle.Configuration;
using Muscle.Evaluation;
using Muscle.Models;
using Muscle.Tokenization;
using Muscle.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Muscle.Bench;

/// <summary>
/// The device parity check of tests/Muscle.Tests/Devices/DeviceParityTests.cs for a machine that has a self-contained
/// publish but no .NET SDK (scripts/gpu-check.sh): a tiny fp32 Llama on the CPU and on <c>device</c>, log-likelihoods
/// and one LoRA step (forward, CE, backward, AdamW) within 1e-4 + 1e-4·|x|. Prints one line per check; exit 1 on a miss.
/// </summary>
public static class DeviceParity
{
    private const double Bound = 1e-4;
    private static readonly LoraConfig Lora = new() { R = 4, LoraAlpha = 8, LoraDropout = 0, TargetModules = ["q_proj", "v_proj"] };

    private static readonly ModelConfig Config = ModelConfigLoader.Parse("""
        { "architectures": ["LlamaForCausalLM"], "model_type": "llama", "vocab_size": 64, "hidden_size": 32,
          "intermediate_size": 48, "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2,
          "max_position_embeddings": 64, "rms_norm_eps": 1e-5, "rope_theta": 10000.0, "tie_word_embeddings": false }
        """);

    public static int Run(Device device, TextWriter output)
    {
        var name = ComputeDevices.Name(device);
        manual_seed(11);
        using var cpuModel = CausalLMFactory.Create(Config);
        using var model = CausalLMFactory.Create(Config, device);
        using (no_grad())
        {
            var source = cpuModel.Module.state_dict();
            foreach (var (key, target) in model.Module.state_dict()) target.copy_(source[key]);
        }
        var requests = Enumerable.Range(0, 6).Select(i => new EncodedPair(
            Enumerable.Range(0, 5 + 3 * i).Select(j => 1 + (i * 31 + j * 7) % 63).ToArray(), 3 + i)).ToList();
        cpuModel.Freeze();
        model.Freeze();
        var expected = LoglikelihoodScorer.Score(cpuModel, requests, 4, padId: 0).Select(s => s.LogLikelihood).ToArray();
        var actual = LoglikelihoodScorer.Score(model, requests, 4, padId: 0).Select(s => s.LogLikelihood).ToArray();
        var llDiff = expected.Zip(actual, (e, a) => Math.Abs(e - a) - Bound * Math.Abs(e)).Max();

        var (cpuLoss, cpuWeights) = Step(cpuModel, requests, CPU);
        var (loss, weights) = Step(model, requests, device);
        var stepDiff = Math.Abs(cpuLoss - loss) - Bound * Math.Abs(cpuLoss);
        for (var i = 0; i < weights.Count; i++)
        {
            using var scope = NewDisposeScope();
            var scale = cpuWeights[i].abs().max().item<float>();
            stepDiff = Math.Max(stepDiff, (weights[i] - cpuWeights[i]).abs().max().item<float>() - Bound * scale);
        }
        foreach (var t in cpuWeights.Concat(weights)) t.Dispose();
        var ok = llDiff <= Bound && stepDiff <= Bound;
        output.WriteLine($"parity cpu vs {name} (fp32): log-likelihoods {(llDiff <= Bound ? "ok" : "MISS")}, one LoRA step {(stepDiff <= Bound ? "ok" : "MISS")}");
        return ok ? 0 : 1;
    }

    private static (double Loss, List<Tensor> Weights) Step(ICausalLM model, IReadOnlyList<EncodedPair> requests, Device device)
    {
        using var adapter = model.AddAdapter(TaskModel.AdapterName, Lora, seed: 5);
        model.SetAdapter(adapter.Name);
        adapter.Train(true);
        var parameters = adapter.Parameters().ToList();
        using (no_grad())
        using (var g = new Generator(3, CPU))
            foreach (var b in parameters.Where((_, i) => i % 2 == 1))
            {
                using var init = randn(b.shape, generator: g) * 0.02;
                b.copy_(init);
            }
        using var opt = new AdamW(parameters, 1e-2);
        using var batch = CausalBatch.Build(requests, LossOn.Answer, padId: 0, device);
        double loss;
        using (var scope = NewDisposeScope())
        {
            var logits = model.Forward(batch.InputIds, null, batch.AttentionMask);
            var l = LanguageModelLoss.SumCrossEntropy(logits, batch.Labels) / batch.CountedTokens;
            l.backward();
            opt.StepOnce();
            loss = l.item<float>();
        }
        return (loss, parameters.Select(p => p.detach().cpu().clone()).ToList());
    }
}
