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
/// the demo's tiny model), so the CLI chooses by the 1-minute load average (<see cref="ForLoad"/>). Measured numbers:
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

    /// <summary>"PASSIVE" when the 1-minute load average shows other work (at least <see cref="BusyLoad"/>), else null (libgomp's default).</summary>
    public static string? ForLoad(double loadAverage1) => loadAverage1 >= BusyLoad ? "PASSIVE" : null;

    /// <summary>
    /// The CLI's choice: unless the user set <c>OMP_WAIT_POLICY</c>, PASSIVE when /proc/loadavg shows other work
    /// (<see cref="ForLoad"/>); where the load cannot be read, PASSIVE (the safe side: a busy machine loses up to 18×).
    /// </summary>
    public static void ApplyForCurrentLoad()
    {
        if (!(OperatingSystem.IsLinux() || OperatingSystem.IsMacOS())) return;
        if (LoadAverage1() is { } load && ForLoad(load) is null) return;
        ApplyPassiveUnlessSet();
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
