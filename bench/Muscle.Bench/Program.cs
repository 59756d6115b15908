using System.Text.Json;
using Muscle.Bench;
using TorchSharp;
using static TorchSharp.torch;

// Usage:
//   Muscle.Bench run --model llama-3.4m --dtype fp32 --cases full,lora,mc,gen-cache,gen-nocache,muscle-exact,muscle-cache,gemm [--models bench/models.json]
//   Muscle.Bench loss-check --dir <dir> [--models bench/models.json]
//   Muscle.Bench parity [--device cuda]      (CPU vs the device, fp32: log-likelihoods and one LoRA step; exit 1 beyond 1e-4)
// --device auto|cpu|cuda|cuda:N (default cpu) places every case's models and batches; --threads N (default 2);
// --train-steps N overrides the model's timed steps of full/lora (for profiling: bench/profile.sh);
// --heap glibc|keep (default glibc, as the library; keep: HeapExperiment's malloc settings for the whole process).
// Prints one JSON line per case (the same fields bench/pytorch/reference.py prints).

var opts = ParseOptions(args.Skip(1).ToArray());
// --heap keep: the allocator experiment of docs/PERFORMANCE.md (HeapExperiment); the default is glibc's, as the library.
if (opts.GetValueOrDefault("heap", "glibc") == "keep" && !HeapExperiment.KeepFreedMemory())
    Console.Error.WriteLine("warning: --heap keep: mallopt refused; running on glibc's defaults");
var modelsJson = opts.GetValueOrDefault("models", Path.Combine("bench", "models.json"));
torch.set_num_threads(int.Parse(opts.GetValueOrDefault("threads", "2"), System.Globalization.CultureInfo.InvariantCulture));
try
{
    Cases.Device = Muscle.Models.ComputeDevices.Resolve(opts.GetValueOrDefault("device", "cpu"));
}
catch (Muscle.Infrastructure.MuscleInputException e)
{
    Console.Error.WriteLine("error: " + e.OneLine());
    return 2;
}

switch (args.FirstOrDefault())
{
    case "run":
    {
        var bm = BenchModel.Load(modelsJson, opts.GetValueOrDefault("model", "llama-3.4m"));
        if (opts.TryGetValue("train-steps", out var steps)) bm = bm with { TrainSteps = int.Parse(steps, System.Globalization.CultureInfo.InvariantCulture) };
        var dtypeName = opts.GetValueOrDefault("dtype", "fp32");
        var dtype = dtypeName switch
        {
            "fp32" => ScalarType.Float32,
            "bf16" => ScalarType.BFloat16,
            _ => throw new ArgumentException($"--dtype must be fp32 or bf16, got '{dtypeName}'"),
        };
        var cases = opts.GetValueOrDefault("cases", "full,lora,mc,gen-cache,gen-nocache").Split(',');
        foreach (var c in cases)
        {
            var m = c switch
            {
                "full" => Cases.Train(bm, dtype, lora: false),
                "lora" => Cases.Train(bm, dtype, lora: true),
                "mc" => Cases.MultipleChoice(bm, dtype),
                "gen-cache" => Cases.Generate(bm, dtype, useCache: true),
                "gen-nocache" => Cases.Generate(bm, dtype, useCache: false),
                "muscle-exact" => MuscleStep.Exact(bm, dtype),
                "muscle-cache" => MuscleStep.Cached(bm, dtype),
                "gemm" => Cases.GemmPeak(dtype),
                _ => throw new ArgumentException($"unknown case '{c}'"),
            };
            var perToken = c.StartsWith("gen", StringComparison.Ordinal) ? m.TokensPerIter : 1;
            var row = new Dictionary<string, object?>
            {
                ["impl"] = "muscle",
                ["model"] = bm.Name,
                ["dtype"] = dtypeName,
                ["device"] = Muscle.Models.ComputeDevices.Name(Cases.Device),
                ["case"] = c,
                ["tokens_per_s"] = Math.Round(m.TokensPerSecond, 1),
                ["step_ms"] = Math.Round(m.MedianSeconds * 1000 / perToken, 3),
                ["cpu_ms"] = Math.Round(m.CpuSeconds * 1000 / m.Seconds.Count / perToken, 3),
                ["peak_rss_mib"] = Math.Round(m.PeakMiB, 1),
                ["iters"] = m.Seconds.Count,
                ["check"] = m.Check,
            };
            Console.WriteLine(JsonSerializer.Serialize(row));
        }
        return 0;
    }
    case "parity":
        return DeviceParity.Run(Cases.Device, Console.Out);
    case "loss-check":
        LossCheck.Run(BenchModel.Load(modelsJson, "llama-3.4m"), opts["dir"]);
        return 0;
    default:
        Console.Error.WriteLine("usage: Muscle.Bench run --model NAME --dtype fp32|bf16 --cases a,b [--device D] | parity --device D | loss-check --dir DIR");
        return 2;
}

static Dictionary<string, string> ParseOptions(string[] a)
{
    var d = new Dictionary<string, string>(StringComparer.Ordinal);
    for (var i = 0; i + 1 < a.Length; i += 2)
    {
        if (!a[i].StartsWith("--", StringComparison.Ordinal)) throw new ArgumentException($"expected --option, got '{a[i]}'");
        d[a[i][2..]] = a[i + 1];
    }
    return d;
}
