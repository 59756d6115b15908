using System.Runtime.ExceptionServices;
using static TorchSharp.torch;

namespace Muscle.Recipes;

/// <summary>
/// Runs independent work items on a few threads ("lanes") that take the items in order from one queue, each lane with an
/// equal share of LibTorch's intra-op threads. On a CPU, small models use a second intra-op thread poorly (the demo's
/// adapters train at 13,000–15,000 tokens/s on one thread beside another lane and 15,000–22,000 on two; docs/RESULTS.md),
/// so two items at once on one thread each finish sooner than one after the other on two.
/// The items must not share mutable state, nor draw from torch's global random generator (their order of draws would
/// depend on timing); with the same threads per item, an item computes the same numbers in a lane as alone.
/// </summary>
public static class WorkLanes
{
    /// <summary>The stack of a lane thread: LibTorch's kernels run on it, as on the process's main thread (8 MiB by default on Linux).</summary>
    private const int LaneStackBytes = 16 << 20;

    /// <summary>
    /// Runs <paramref name="work"/>(0 .. <paramref name="count"/> − 1) on <paramref name="lanes"/> lanes (on the calling
    /// thread when one). Each lane runs on ⌊threads / lanes⌋ (at least 1) of the current intra-op threads, restored after.
    /// A lane whose item throws takes no further items, and neither do the others once they finish theirs; then the
    /// exception of the first failed item (in item order) is rethrown as it was thrown.
    /// </summary>
    public static void Run(int count, int lanes, Action<int> work)
    {
        lanes = Math.Clamp(lanes, 1, Math.Max(1, count));
        if (lanes == 1)
        {
            for (var i = 0; i < count; i++) work(i);
            return;
        }
        var failures = new Exception?[count];
        var next = -1;
        var failed = 0;
        void Lane()
        {
            int i;
            while (Volatile.Read(ref failed) == 0 && (i = Interlocked.Increment(ref next)) < count)
            {
                try
                {
                    work(i);
                }
                catch (Exception e)
                {
                    failures[i] = e;
                    Volatile.Write(ref failed, 1);
                }
            }
        }
        var threads = get_num_threads();
        // LibTorch's new threads take the process-wide count at their first parallel kernel; set it before they start.
        set_num_threads(Math.Max(1, threads / lanes));
        try
        {
            // Thread.Start carries the execution context along, so ambient state (a training stop request) reaches the lanes.
            var running = Enumerable.Range(0, lanes).Select(k => new Thread(Lane, LaneStackBytes) { Name = $"lane {k + 1}" }).ToList();
            foreach (var t in running) t.Start();
            foreach (var t in running) t.Join();
        }
        finally
        {
            set_num_threads(threads);
        }
        if (failures.FirstOrDefault(e => e is not null) is { } first) ExceptionDispatchInfo.Capture(first).Throw();
    }
}
