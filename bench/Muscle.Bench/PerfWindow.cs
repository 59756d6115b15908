namespace Muscle.Bench;

/// <summary>
/// Limits a <c>perf record --control fifo:CTL,ACK --delay=-1</c> profile to the timed steps: when bench/profile.sh
/// sets MUSCLE_PERF_CTL (and MUSCLE_PERF_ACK), <see cref="Enable"/> and <see cref="Disable"/> write perf's
/// <c>enable</c> / <c>disable</c> commands to that FIFO and wait for perf's acknowledgement, so model building,
/// JIT and warm-up stay out of the samples (perf-record(1), "--control"). Without the variables both do nothing.
/// bench/pytorch/reference.py does the same around its timed training steps.
/// </summary>
public static class PerfWindow
{
    private static readonly string? Ctl = Environment.GetEnvironmentVariable("MUSCLE_PERF_CTL");
    private static readonly string? Ack = Environment.GetEnvironmentVariable("MUSCLE_PERF_ACK");

    public static void Enable() => Send("enable");

    public static void Disable() => Send("disable");

    private static void Send(string command)
    {
        if (string.IsNullOrEmpty(Ctl)) return;
        File.AppendAllText(Ctl, command + "\n");
        if (string.IsNullOrEmpty(Ack)) return;
        using var ack = new StreamReader(Ack);
        ack.ReadLine(); // perf answers "ack"
    }
}
