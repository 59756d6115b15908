using System.Runtime.InteropServices;

namespace Muscle.Cli.Infrastructure;

/// <summary>
/// Makes LibTorch's idle OpenMP threads sleep instead of spin. GNU OpenMP's default lets a thread that finished its share
/// of a parallel region spin for up to 300,000 iterations waiting for the others (GOMP_SPINCOUNT, libgomp manual, "Environment
/// Variables"); when another process holds a core, the spinning thread and the descheduled one take turns and every op
/// slows several-fold. <c>OMP_WAIT_POLICY=PASSIVE</c> turns the spinning off (OpenMP 5.2, section 6.7). libgomp reads the
/// variable once, when LibTorch loads it, so this must run before the first TorchSharp call, and it must set the native
/// environment (.NET's <see cref="Environment.SetEnvironmentVariable(string, string?)"/> does not reach <c>getenv</c> on
/// Unix). A value the user set is kept. Measured numbers: docs/PERFORMANCE.md, "Threads on a busy machine".
/// </summary>
public static class OpenMpWaitPolicy
{
    public const string Variable = "OMP_WAIT_POLICY";

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
