using Muscle.Models;
using TorchSharp;
using Xunit;

namespace Muscle.Tests.Models;

/// <summary>
/// <see cref="CpuTensorHeap"/> keeps a freed tensor's memory in the process: with glibc's defaults a 256 MiB tensor is
/// its own mmap and leaves the resident set when it is disposed (and faults back in, zero-filled, next step); with the
/// policy (applied for this test process as for the CLI, see <see cref="TestThreads"/>) the resident set stays.
/// </summary>
public sealed class CpuTensorHeapTests
{
    [Fact]
    public void A_disposed_large_tensor_stays_resident_for_the_next_step()
    {
        if (!OperatingSystem.IsLinux()) return; // glibc only; elsewhere Apply changes nothing
        if (!CpuTensorHeap.Applied)
        {
            Assert.False(CpuTensorHeap.Apply(), "Apply succeeded only now: the module initializer did not run it");
            Console.WriteLine("skipped: malloc is configured by the environment (MALLOC_* or GLIBC_TUNABLES), which CpuTensorHeap leaves alone");
            return;
        }
        const long bytes = 48L << 20;
        long before, after;
        using (var t = torch.ones(bytes / 4, dtype: torch.ScalarType.Float32)) // written: every page resident
        {
            before = ResidentBytes();
        }
        after = ResidentBytes();
        // glibc's defaults return all 256 MiB here; other tests freeing memory meanwhile stay in the heap as well.
        Assert.True(before - after < bytes / 2, $"the resident set fell by {(before - after) >> 20} MiB when a 48 MiB tensor was disposed");
    }

    private static long ResidentBytes()
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                return long.Parse(line[6..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture) * 1024;
        throw new InvalidOperationException("no VmRSS in /proc/self/status");
    }
}
