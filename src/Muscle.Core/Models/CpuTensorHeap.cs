using System.Runtime.InteropServices;

namespace Muscle.Models;

/// <summary>
/// Keeps the memory of freed CPU tensors in the process for the next step instead of handing it back to the kernel.
/// LibTorch allocates CPU tensors with glibc's malloc; glibc serves blocks above its mmap threshold (at most 32 MiB on
/// 64-bit) with a fresh <c>mmap</c> and unmaps them on free, and trims the heap's top above the trim threshold, so every
/// training step faults in and zero-fills the same activations again (a [8, 128, 8192] fp32 logits tensor is 32 MiB,
/// and larger batches or vocabularies only grow). perf puts that page-fault and zeroing work at 7–8 % of an fp32 LoRA
/// step's CPU time on llama-20m (docs/PERFORMANCE.md, "Where the fp32 LoRA step spends its time").
/// <see cref="Apply"/> sets <c>M_MMAP_MAX</c> = 0 (large blocks come from the heap too) and <c>M_TRIM_THRESHOLD</c> = 2 GiB − 1, the
/// largest mallopt(3) takes; the process then keeps its peak heap, which it needed anyway. This covers the main
/// thread, where the CLI and the bench run their steps; on another thread glibc still maps a block larger than that
/// thread's arena heap (64 MiB) by itself (glibc malloc.c, sysmalloc). A user's own
/// malloc settings (<c>MALLOC_*_</c> variables or <c>GLIBC_TUNABLES</c>) win; other C libraries are left alone.
/// </summary>
public static class CpuTensorHeap
{
    private const int M_TRIM_THRESHOLD = -1; // malloc.h
    private const int M_MMAP_MAX = -4;
    public const int TrimThreshold = int.MaxValue;

    /// <summary>True once <see cref="Apply"/> changed glibc's settings in this process.</summary>
    public static bool Applied { get; private set; }

    /// <summary>Applies the policy unless the user configured malloc; returns whether it did. Safe to call more than once.</summary>
    public static bool Apply()
    {
        if (Applied) return true;
        if (!OperatingSystem.IsLinux() || UserConfiguredMalloc()) return false;
        try
        {
            Applied = mallopt(M_MMAP_MAX, 0) == 1 & mallopt(M_TRIM_THRESHOLD, TrimThreshold) == 1;
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
        {
            return false; // not glibc (musl has no tunable mmap threshold)
        }
        return Applied;
    }

    private static bool UserConfiguredMalloc() =>
        Environment.GetEnvironmentVariables().Keys.Cast<string>().Any(k => k.StartsWith("MALLOC_", StringComparison.Ordinal))
        || (Environment.GetEnvironmentVariable("GLIBC_TUNABLES") ?? "").Contains("glibc.malloc.", StringComparison.Ordinal);

    [DllImport("libc", EntryPoint = "mallopt")]
    private static extern int mallopt(int param, int value);
}
