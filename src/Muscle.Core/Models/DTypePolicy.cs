using System.Text.Json;
using TorchSharp;
using static TorchSharp.torch;

namespace Muscle.Models;

/// <summary>
/// <c>--dtype auto</c> (the default), as transformers 5's <c>from_pretrained(dtype="auto")</c>: the checkpoint's dtype
/// from config.json (<c>dtype</c>, or <c>torch_dtype</c> before transformers 5) — but bf16 only where the device
/// computes it natively (CUDA, or a CPU with <see cref="CpuFeatures.NativeBf16Flags"/>), else fp32. A float32
/// checkpoint (or one that names no dtype) stays float32. float16 is not a compute dtype here (<c>--dtype float16</c>
/// is refused); a float16 checkpoint's weights are converted on load, as they always were, to float32. Whenever the
/// choice differs from a checkpoint's dtype, <see cref="DTypeChoice.Message"/> says so once. An explicit
/// <c>--dtype bfloat16</c> without native bf16 runs, with a warning that it is emulated. Policy: docs/INTEROP.md, "dtype".
/// </summary>
public static class DTypePolicy
{
    /// <summary>The value of <c>--dtype</c> when none is given.</summary>
    public const string Auto = "auto";

    /// <summary>Measured on an AVX2-only CPU (docs/PERFORMANCE.md): a LoRA step in bf16 vs fp32.</summary>
    public const string EmulatedBf16Cost =
        "expect it to be ~20x slower than float32 on such CPUs (measured: bf16 LoRA 197 tok/s vs fp32 3,958 tok/s on an AVX2-only machine)";

    /// <summary>
    /// The dtype for checkpoints whose config.json dtypes are <paramref name="checkpointDTypes"/> (null: the config
    /// names none) on <paramref name="device"/>. <paramref name="cudaComputesBf16"/> defaults to a probe
    /// (<see cref="CudaComputesBf16"/>); tests pass a fake.
    /// </summary>
    public static DTypeChoice Resolve(string requested, IReadOnlyList<string?> checkpointDTypes, Device device, CpuFeatures cpu,
                                      Func<Device, bool>? cudaComputesBf16 = null)
    {
        bool Native() => device.type == DeviceType.CPU ? cpu.HasNativeBf16 : (cudaComputesBf16 ?? CudaComputesBf16)(device);
        string Where() => device.type == DeviceType.CPU
            ? $"this CPU has no native bf16 (no {string.Join(" or ", CpuFeatures.NativeBf16Flags)} in the flags of {CpuFeatures.ProcCpuInfo})"
            : $"{ComputeDevices.Name(device)} does not compute bf16";

        if (!string.Equals(requested.Trim(), Auto, StringComparison.OrdinalIgnoreCase))
        {
            var dtype = DTypes.Parse(requested);
            if (dtype == ScalarType.BFloat16 && !Native())
                return new(dtype, $"warning: --dtype bfloat16 is emulated here: {Where()}; {EmulatedBf16Cost}");
            return new(dtype, null);
        }

        var named = checkpointDTypes.Select(d => d?.Trim().ToLowerInvariant()).ToList();
        var listed = string.Join(", ", named.Where(d => d is not null).Distinct());
        if (named.All(d => d is null or "float32")) return new(ScalarType.Float32, null);
        if (named.All(d => d == "bfloat16"))
            return Native()
                ? new(ScalarType.BFloat16, null)
                : new(ScalarType.Float32,
                    $"note: --dtype auto: the checkpoint is bfloat16 but {Where()}, so weights load as float32 " +
                    $"(--dtype bfloat16 forces bf16, emulated: ~20x slower)");
        if (named.Any(d => d == "float16"))
            return new(ScalarType.Float32,
                $"note: --dtype auto: the checkpoint is {listed}; muscle computes in float32 or bfloat16 only, so weights load as float32");
        return new(ScalarType.Float32,
            named.Distinct().Count() > 1
                ? $"note: --dtype auto: the checkpoints' dtypes differ ({listed}), so weights load as float32"
                : $"note: --dtype auto: the checkpoint is {listed}; muscle computes in float32 or bfloat16 only, so weights load as float32");
    }

    /// <summary>
    /// The dtype a model directory's config.json names (<c>dtype</c>, else <c>torch_dtype</c>), or null. Lenient: a
    /// missing or malformed file gives null here; the loader reports it with its own message.
    /// </summary>
    public static string? CheckpointDType(string? modelDirOrConfig)
    {
        if (modelDirOrConfig is null) return null;
        var path = Directory.Exists(modelDirOrConfig) ? Path.Combine(modelDirOrConfig, "config.json") : modelDirOrConfig;
        try
        {
            if (!File.Exists(path)) return null;
            using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
            if (doc.RootElement.ValueKind != JsonValueKind.Object) return null;
            foreach (var key in new[] { "dtype", "torch_dtype" })
                if (doc.RootElement.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.String)
                    return v.GetString();
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
        {
            return null;
        }
    }

    /// <summary>
    /// Whether a bf16 matmul runs on <paramref name="device"/>. TorchSharp 0.107 exposes no compute capability (PyTorch's
    /// <c>torch.cuda.is_bf16_supported</c> checks ≥ 8.0), so this probes; pre-Ampere GPUs may pass by emulating, and
    /// there <c>--dtype float32</c> is the faster choice (docs/INTEROP.md, "dtype").
    /// </summary>
    public static bool CudaComputesBf16(Device device)
    {
        try
        {
            using var scope = NewDisposeScope();
            var a = ones([8, 8], ScalarType.BFloat16, device);
            _ = a.matmul(a).sum().cpu();
            return true;
        }
        catch (Exception)
        {
            return false;
        }
    }
}
