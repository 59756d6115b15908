using System.Globalization;
using System.Runtime.CompilerServices;
using TorchSharp;

namespace Muscle.Tests;

/// <summary>
/// LibTorch's intra-op thread count for this test process. The suite runs with one thread: the tiny models gain
/// nothing from a second one (the two longest tests take 80 s either way here), and two OpenMP threads on a
/// 2-core machine with another busy process slow every op ~8× (each parallel region waits for the descheduled
/// thread). <c>MUSCLE_TEST_THREADS</c> overrides it. Tests whose claim is bit-exactness run at 1 and at 2
/// threads through <see cref="Use"/>.
/// </summary>
public static class TestThreads
{
    public static int Default { get; } =
        int.TryParse(Environment.GetEnvironmentVariable("MUSCLE_TEST_THREADS"), CultureInfo.InvariantCulture, out var n) && n > 0 ? n : 1;

    [ModuleInitializer]
    internal static void Initialize()
    {
        // As the CLI does: idle OpenMP threads sleep, so the tests at 2 threads do not spin against a busy core.
        Muscle.Cli.Infrastructure.OpenMpWaitPolicy.ApplyPassiveUnlessSet();
        torch.set_num_threads(Default);
    }

    /// <summary>Runs LibTorch on <paramref name="threads"/> threads until disposed, then restores the default.</summary>
    public static IDisposable Use(int threads)
    {
        torch.set_num_threads(threads);
        return new Restore();
    }

    /// <summary>The <c>--threads</c> argument that gives a child <c>muscle</c> process this process's thread count.</summary>
    public static string[] CliArgs => ["--threads", torch.get_num_threads().ToString(CultureInfo.InvariantCulture)];

    private sealed class Restore : IDisposable
    {
        public void Dispose() => torch.set_num_threads(Default);
    }
}
