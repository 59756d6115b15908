using System.Runtime.InteropServices;

namespace Muscle.Cli.Infrastructure;

/// <summary>
/// Makes LibTorch's idle OpenMP threads sleep instead of spin when other processes keep the CPU busy. GNU OpenMP's default lets a thread that finished its share
/// of a parallel region spin for up to 300,000 iterations waiting for the others (GOMP_SPINCOUNT, libgomp manual, "Environment
/// Variables"); when another process holds a core, the spinning thread and the descheduled one take turns and every op
/// slows several-fold. <c>OMP_WAIT_POLICY=PASSIVE</c> turns the spinning off (OpenMP 5.2, section 6.7). libgomp reads the
/// variable once, when LibTorch loads it, so this must run before the first TorchSharp call, and it must set the native
/// environment (.NET's <see cref="Environment.SetEnvironmentVariable(string, string?)"/> does not reach <c>getenv</c> on
/// Unix). A value the user set is kept. On an idle machine spinning is faster (sleeping threads wake ~30 % slower on
/// the demo's tiny model), so the CLI chooses by what the other processes use right now: the busy share of all CPUs
/// over a short sample of /proc/stat (proc(5)), before this process starts computing. The 1-minute load average is
/// the fallback only: it lags, so right after a build (<c>./muscle</c> builds first) or a previous run it still shows
/// work that has ended, and the demo then ran at sleeping speed on an idle machine. Measured numbers:
/// docs/PERFORMANCE.md, "Threads on a busy machine".
/// </summary>
public static class OpenMpWaitPolicy
{
    public const string Variable = "OMP_WAIT_POLICY";

    /// <summary>
    /// Other processes' average demand, in cores, at or above which idle threads sleep: a spinning team of one thread per
    /// core loses whenever another runnable process takes one of those cores, even half the time.
    /// </summary>
    public const double BusyLoad = 0.5;

    /// <summary>"PASSIVE" when other work uses at least <see cref="BusyLoad"/> cores, else null (libgomp's default).</summary>
    public static string? ForLoad(double otherCores) => otherCores >= BusyLoad ? "PASSIVE" : null;

    /// <summary>How long <see cref="BusyCoresNow"/> samples /proc/stat: 15 clock ticks per CPU at the usual 100 Hz.</summary>
    public static readonly TimeSpan Sample = TimeSpan.FromMilliseconds(150);

    /// <summary>
    /// The CLI's choice: unless the user set <c>OMP_WAIT_POLICY</c>, PASSIVE when other work shows (<see cref="ForLoad"/>)
    /// in the CPUs' busy time now (<see cref="BusyCoresNow"/>), or, where /proc/stat cannot be read, in the 1-minute load
    /// average; where neither can be read, PASSIVE (the safe side: a busy machine loses up to 18×).
    /// </summary>
    public static void ApplyForCurrentLoad()
    {
        if (!(OperatingSystem.IsLinux() || OperatingSystem.IsMacOS())) return;
        if (NativeValue() is not null) return;
        if ((BusyCoresNow() ?? LoadAverage1()) is { } load && ForLoad(load) is null) return;
        ApplyPassiveUnlessSet();
    }

    /// <summary>
    /// Cores' worth of CPU time spent outside idle and I/O wait over <see cref="Sample"/>, from the aggregate "cpu" line of
    /// /proc/stat read before and after; null where it cannot be read. Called before this process computes anything, so it
    /// measures the other processes.
    /// </summary>
    public static double? BusyCoresNow()
    {
        var before = ReadCpuLine();
        if (before is null) return null;
        Thread.Sleep(Sample);
        var after = ReadCpuLine();
        return after is null ? null : BusyCores(before, after, Environment.ProcessorCount);
    }

    /// <summary>
    /// Busy cores between two readings of /proc/stat's aggregate line ("cpu  user nice system idle iowait irq softirq steal
    /// ..." in clock ticks, summed over all CPUs): the non-idle share of the elapsed ticks times the CPU count. Null when
    /// a line is not such a line or no tick elapsed.
    /// </summary>
    public static double? BusyCores(string before, string after, int cpus)
    {
        if (Ticks(before) is not var (total0, idle0) || Ticks(after) is not var (total1, idle1)) return null;
        var total = total1 - total0;
        if (total <= 0) return null;
        return (double)(total - (idle1 - idle0)) / total * cpus;
    }

    /// <summary>(all ticks, idle + iowait ticks) of an aggregate "cpu" line; guest time is already inside user time (proc(5)).</summary>
    private static (long Total, long Idle)? Ticks(string line)
    {
        var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length < 6 || fields[0] != "cpu") return null;
        long total = 0;
        var values = new long[Math.Min(fields.Length - 1, 8)];  // user .. steal; guest and guest_nice are counted in user and nice
        for (var i = 0; i < values.Length; i++)
        {
            if (!long.TryParse(fields[i + 1], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out values[i])) return null;
            total += values[i];
        }
        return (total, values[3] + values[4]);
    }

    private static string? ReadCpuLine()
    {
        try
        {
            using var reader = new StreamReader("/proc/stat");
            return reader.ReadLine();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>The first field of /proc/loadavg; null where it cannot be read.</summary>
    public static double? LoadAverage1()
    {
        try
        {
            var first = File.ReadAllText("/proc/loadavg").Split(' ', 2)[0];
            return double.TryParse(first, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var v) ? v : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Sets <c>OMP_WAIT_POLICY=PASSIVE</c> in the native environment unless it is already set (Linux and macOS).</summary>
    public static void ApplyPassiveUnlessSet()
    {
        if (!(OperatingSystem.IsLinux() || OperatingSystem.IsMacOS())) return;
        if (NativeValue() is not null) return;
        if (setenv(Variable, "PASSIVE", overwrite: 0) != 0)
            throw new InvalidOperationException($"setenv({Variable}) failed: errno {Marshal.GetLastPInvokeError()}");
    }

    /// <summary>The variable as native code (libgomp) sees it; null when unset.</summary>
    public static string? NativeValue() => Marshal.PtrToStringUTF8(getenv(Variable));

    [DllImport("libc", SetLastError = true)]
    private static extern int setenv([MarshalAs(UnmanagedType.LPUTF8Str)] string name, [MarshalAs(UnmanagedType.LPUTF8Str)] string value, int overwrite);

    [DllImport("libc")]
    private static extern IntPtr getenv([MarshalAs(UnmanagedType.LPUTF8Str)] string name);
}
