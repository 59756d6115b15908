using Muscle.Cli.Infrastructure;

namespace Muscle.Tests.Cli;

public class OpenMpWaitPolicyTests
{
    private static bool Posix => OperatingSystem.IsLinux() || OperatingSystem.IsMacOS();

    [Fact]
    public void The_test_process_runs_with_passive_waiting_in_the_native_environment()
    {
        if (!Posix) return; // setenv/getenv: the policy is applied on Linux and macOS only
        // TestThreads applies the policy before LibTorch loads, as Program.Main does; libgomp reads getenv, not .NET's
        // copy of the environment (which still holds what the process started with: the user's own value, if any).
        var userValue = Environment.GetEnvironmentVariable(OpenMpWaitPolicy.Variable);
        Assert.Equal(userValue ?? "PASSIVE", OpenMpWaitPolicy.NativeValue());
    }

    [Fact]
    public void Applying_again_keeps_the_value_already_set()
    {
        if (!Posix) return;
        var before = OpenMpWaitPolicy.NativeValue();
        Assert.NotNull(before);
        OpenMpWaitPolicy.ApplyPassiveUnlessSet();
        Assert.Equal(before, OpenMpWaitPolicy.NativeValue());
    }

    [Theory]
    [InlineData(0.0, null)]
    [InlineData(0.49, null)]
    [InlineData(0.5, "PASSIVE")]  // another process on half a core: a spinning team already loses
    [InlineData(1.0, "PASSIVE")]  // one busy process (the 5–18× case in docs/PERFORMANCE.md)
    [InlineData(15.0, "PASSIVE")]
    public void Idle_threads_sleep_only_when_other_work_uses_half_a_core_or_more(double load, string? expected) =>
        Assert.Equal(expected, OpenMpWaitPolicy.ForLoad(load));

    // Two readings of /proc/stat's aggregate line (proc(5): user nice system idle iowait irq softirq steal guest guest_nice).
    [Theory]
    [InlineData("cpu  100 0 50 1000 10 0 0 0 0 0", "cpu  115 0 50 1015 10 0 0 0 0 0", 1.0)]  // half the ticks busy on 2 CPUs: one core
    [InlineData("cpu  100 0 50 1000 10 0 0 0 0 0", "cpu  100 0 50 1030 10 0 0 0 0 0", 0.0)]  // idle
    [InlineData("cpu  100 0 50 1000 10 0 0 0 0 0", "cpu  110 5 55 1000 10 5 5 0 0 0", 2.0)]    // all busy (user, nice, system, irq, softirq)
    [InlineData("cpu  100 0 50 1000 10 0 0 0 0 0", "cpu  100 0 50 1020 20 0 0 0 0 0", 0.0)]   // waiting for I/O counts as idle
    [InlineData("cpu  100 0 50 1000 10 0 0 0", "cpu  100 0 50 1000 10 0 0 0", null)]          // no tick elapsed
    [InlineData("cpu0 100 0 50 1000 10 0 0 0", "cpu0 115 0 50 1015 10 0 0 0", null)]          // a per-CPU line, not the aggregate
    [InlineData("cpu  100 0 50 1000", "cpu  115 0 50 1015", null)]                              // no iowait field
    public void Busy_cores_come_from_the_non_idle_share_of_elapsed_ticks(string before, string after, double? expected)
    {
        var busy = OpenMpWaitPolicy.BusyCores(before, after, cpus: 2);
        Assert.Equal(expected, busy);
    }

    [Fact]
    public void Busy_cores_now_reads_this_machine_within_its_cpu_count()
    {
        if (!OperatingSystem.IsLinux()) return;
        var busy = OpenMpWaitPolicy.BusyCoresNow();
        Assert.NotNull(busy);
        Assert.InRange(busy!.Value, 0, Environment.ProcessorCount);
    }
}
