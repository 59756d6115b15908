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
    public void Idle_threads_sleep_only_when_other_work_shows_in_the_load_average(double load, string? expected) =>
        Assert.Equal(expected, OpenMpWaitPolicy.ForLoad(load));
}
