using System.Runtime.InteropServices;

namespace Muscle.Bench;

/// <summary>
/// The allocator experiment of docs/PERFORMANCE.md ("Where the fp32 LoRA step spends its time"), bench only, not in
/// the library: <c>--heap keep</c> sets glibc's <c>M_MMAP_MAX</c> = 0 and <c>M_TRIM_THRESHOLD</c> = 2 GiB − 1
/// (mallopt(3)) for the whole process, so the 32 MiB logits and their gradients come from the heap and are reused by the
/// next step instead of being mapped, faulted in and zero-filled again. It cut that work from ~50 to ~10 CPU-ms a step
/// on llama-20m, but on a thread other than the main one glibc did not reuse the freed blocks (five 48 MiB
/// allocate/free rounds grew the resident set by 5 × 48 MiB), and a process-wide malloc change is not a library's to
/// make; so the library keeps glibc's defaults (<c>--heap glibc</c>, the default here too).
/// </summary>
public static class HeapExperiment
{
    private const int M_TRIM_THRESHOLD = -1, M_MMAP_MAX = -4; // malloc.h

    /// <summary>Applies the experiment's settings; false where mallopt refused or is not glibc's.</summary>
    public static bool KeepFreedMemory()
    {
        try
        {
            return mallopt(M_MMAP_MAX, 0) == 1 & mallopt(M_TRIM_THRESHOLD, int.MaxValue) == 1;
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
        {
            return false;
        }
    }

    [DllImport("libc", EntryPoint = "mallopt")]
    private static extern int mallopt(int param, int value);
}
