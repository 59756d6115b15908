using System.Diagnostics;
using AdamW = Muscle.Training.AdamW;
using Muscle.Adapters;
using Muscle.Evaluation;
using Muscle.Models;
using Muscle.Tokenization;
using Muscle.Training;
using Parameter = TorchSharp.Modules.Parameter;
using TorchSharp;
using static TorchSharp.torch;

namespace Muscle.Bench;

// Shapes: B batch, T sequence length, V vocabulary.

/// <summary>One measured case: tokens per iteration and the wall time of each measured iteration.</summary>
/// <param name="CpuSeconds">Process CPU time (all threads) over the measured iterations: robust when the machine is shared.</param>
public sealed record Measurement(string Case, long TokensPerIter, IReadOnlyList<double> Seconds, double PeakMiB, double? Check, double CpuSeconds)
{
    public double TokensPerSecond => TokensPerIter * Seconds.Count / Seconds.Sum();
    public double MedianSeconds => Seconds.Order().ElementAt(Seconds.Count / 2);
}

/// <summary>
/// The benchmarked workloads, each through the library's own code path (CausalLMFactory, LoraAdapter, AdamW,
/// LanguageModelLoss, LoglikelihoodScorer; greedy decoding through ICausalLM.Forward + KvCache, as TextGenerator does).
/// Each case builds its own model from seed 42 so the cases do not share warm state.
/// </summary>
public static class Cases
{
    private static double CpuNow() => Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds;

    public const double TrainLr = 1e-4;
    public const int TrainWarmup = 2;
    public const int McBatch = 16;

    public static readonly LoraConfig Lora = new() { R = 8, LoraAlpha = 16, TargetModules = ["q_proj", "v_proj"] };

    /// <summary>Where every case computes (<c>--device</c>; default the CPU). Timed steps end with a device sync.</summary>
    public static Device Device { get; set; } = CPU;

    public static Measurement Train(BenchModel bm, ScalarType dtype, bool lora)
    {
        torch.manual_seed(42);
        using var model = CausalLMFactory.Create(bm.Config, Device, dtype);
        if (lora) model.Freeze(); // before the adapter is added: Freeze reaches every parameter of the model
        using var adapter = lora ? model.AddAdapter(TaskModel.AdapterName, Lora, 42) : null;
        List<Parameter> trainable;
        if (adapter is not null)
        {
            model.SetAdapter(adapter.Name);
            adapter.Train(true);
            trainable = adapter.Parameters().ToList();
        }
        else
        {
            model.Module.train();
            trainable = model.Module.parameters().ToList();
        }
        using var opt = new AdamW(trainable, TrainLr);
        using var batch = TrainBatch.Create(bm);
        var seconds = new List<double>();
        var cpu0 = 0.0;
        Tensor? last = null;
        for (var i = 0; i < TrainWarmup + bm.TrainSteps; i++)
        {
            if (i == TrainWarmup)
            {
                PeakMemory.Reset();
                PerfWindow.Enable();
                cpu0 = CpuNow();
            }
            var sw = Stopwatch.StartNew();
            using (var scope = NewDisposeScope())
            {
                var loss = TrainStep(model, opt, batch);
                last?.Dispose();
                last = loss.detach().DetachFromDisposeScope();
                ComputeDevices.Synchronize(Device); // CUDA runs asynchronously: the step is done when its kernels are
            }
            if (i >= TrainWarmup) seconds.Add(sw.Elapsed.TotalSeconds);
        }
        var cpu = CpuNow() - cpu0;
        PerfWindow.Disable();
        var peak = PeakMemory.PeakMiB();
        var check = last!.item<float>(); // the only host read: after the timed steps
        last.Dispose();
        return new Measurement(lora ? "lora" : "full", (long)bm.Batch * bm.Seq, seconds, peak, check, cpu);
    }

    /// <summary>One optimizer step: forward, fp32 summed CE / counted tokens, backward, AdamW, zero grads.</summary>
    public static Tensor TrainStep(ICausalLM model, AdamW opt, CausalBatch batch)
    {
        var logits = model.Forward(batch.InputIds, null, batch.AttentionMask);                  // [B, T, V]
        var loss = LanguageModelLoss.SumCrossEntropy(logits, batch.Labels) / batch.CountedTokens;
        loss.backward();
        opt.StepOnce();
        opt.ZeroGrad();
        return loss;
    }

    /// <summary>The machine's practical GEMM peak: C = A·B on <see cref="GemmSize"/>² matrices, 2 warm-up and 10 timed
    /// products; TokensPerIter is the FLOP count of one product (2n³), so tokens/s reads as FLOP/s.</summary>
    public static Measurement GemmPeak(ScalarType dtype)
    {
        torch.manual_seed(42);
        using var a = randn(GemmSize, GemmSize, dtype: dtype, device: Device);
        using var b = randn(GemmSize, GemmSize, dtype: dtype, device: Device);
        var seconds = new List<double>();
        var cpu0 = 0.0;
        for (var i = 0; i < 12; i++)
        {
            if (i == 2) cpu0 = CpuNow();
            var sw = Stopwatch.StartNew();
            using (var c = a.matmul(b)) ComputeDevices.Synchronize(Device);
            if (i >= 2) seconds.Add(sw.Elapsed.TotalSeconds);
        }
        return new Measurement("gemm", 2L * GemmSize * GemmSize * GemmSize, seconds, PeakMemory.PeakMiB(), null, CpuNow() - cpu0);
    }

    public const int GemmSize = 2048;

    public static Measurement MultipleChoice(BenchModel bm, ScalarType dtype)
    {
        torch.manual_seed(42);
        using var model = CausalLMFactory.Create(bm.Config, Device, dtype);
        model.Freeze();
        var requests = BenchData.McRequests(bm.McItems, bm.McContext, bm.Config.VocabSize)
            .Select(r => new EncodedPair(r.Ids, r.ContextLength)).ToList();
        LoglikelihoodScorer.Score(model, requests.Take(McBatch).ToList(), McBatch, padId: 0);   // warm-up
        PeakMemory.Reset();
        var seconds = new List<double>();
        double sum = 0;
        var cpu0 = CpuNow();
        for (var i = 0; i < 2; i++)
        {
            var sw = Stopwatch.StartNew();
            var scores = LoglikelihoodScorer.Score(model, requests, McBatch, padId: 0);
            seconds.Add(sw.Elapsed.TotalSeconds);
            sum = scores.Sum(s => s.LogLikelihood);
        }
        return new Measurement("mc", requests.Sum(r => (long)r.Ids.Length), seconds, PeakMemory.PeakMiB(), sum, CpuNow() - cpu0);
    }

    public static Measurement Generate(BenchModel bm, ScalarType dtype, bool useCache)
    {
        torch.manual_seed(42);
        using var model = CausalLMFactory.Create(bm.Config, Device, dtype);
        model.Freeze();
        var prompt = BenchData.Prompt(bm.Config.VocabSize);
        Greedy(model, prompt, 8, useCache);                                                     // warm-up
        PeakMemory.Reset();
        PerfWindow.Enable();
        var cpu0 = CpuNow();
        var sw = Stopwatch.StartNew();
        var ids = Greedy(model, prompt, BenchData.NewTokens, useCache);
        var elapsed = sw.Elapsed.TotalSeconds;
        var cpu = CpuNow() - cpu0;
        PerfWindow.Disable();
        // Check value: a digest of the generated ids, equal across implementations when the greedy paths agree.
        double digest = ids.Select((id, j) => (double)id * (j % 7 + 1)).Sum();
        return new Measurement(useCache ? "gen-cache" : "gen-nocache", BenchData.NewTokens, [elapsed], PeakMemory.PeakMiB(), digest, cpu);
    }

    /// <summary>TextGenerator's greedy loop without the tokenizer: one argmax read back per token (the next step needs it).</summary>
    public static List<int> Greedy(ICausalLM model, int[] prompt, int newTokens, bool useCache)
    {
        using var _ = no_grad();
        using var cache = useCache ? model.NewCache() : null;
        var history = new List<int>(prompt);
        var generated = new List<int>();
        var device = model.Device();
        for (var step = 0; step < newTokens; step++)
        {
            using var scope = NewDisposeScope();
            var feed = cache is null || step == 0 ? history : history.GetRange(history.Count - 1, 1);
            var input = tensor(feed.Select(i => (long)i).ToArray(), [1, feed.Count], device: device);
            var logits = model.Forward(input, cache)[0, -1].to_type(ScalarType.Float32);        // [V]
            var next = (int)logits.argmax().item<long>();
            history.Add(next);
            generated.Add(next);
        }
        return generated;
    }
}

/// <summary>A fixed full-length batch built by the library's own <see cref="CausalBatch"/>: every next-token target counts.</summary>
public static class TrainBatch
{
    public static CausalBatch Create(BenchModel bm) => FromIds(BenchData.TrainIds(bm.Batch, bm.Seq, bm.Config.VocabSize), bm.Batch, bm.Seq);

    public static CausalBatch FromIds(long[] ids, int batch, int seq) => CausalBatch.Build(
        Enumerable.Range(0, batch).Select(b => new EncodedPair(ids.Skip(b * seq).Take(seq).Select(x => (int)x).ToArray(), 0)).ToList(),
        LossOn.All, padId: 0, Cases.Device);
}
