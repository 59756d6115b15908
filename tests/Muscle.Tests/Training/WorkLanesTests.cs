using System.Collections.Concurrent;
using Muscle.Recipes;
using static TorchSharp.torch;

namespace Muscle.Tests.Training;

/// <summary>WorkLanes: every item once, on lanes with a share of the intra-op threads (restored after), failures rethrown.</summary>
public class WorkLanesTests
{
    [Fact]
    public void Every_item_runs_once_on_its_lane_with_a_share_of_the_threads()
    {
        var before = get_num_threads();
        set_num_threads(4);
        try
        {
            var ran = new ConcurrentBag<(int Item, int Thread, int Threads)>();
            WorkLanes.Run(7, 2, i =>
            {
                Thread.Sleep(20);
                ran.Add((i, Environment.CurrentManagedThreadId, get_num_threads()));
            });
            Assert.Equal(Enumerable.Range(0, 7), ran.Select(r => r.Item).Order());
            Assert.Equal(2, ran.Select(r => r.Thread).Distinct().Count());
            Assert.All(ran, r => Assert.Equal(2, r.Threads));
            Assert.Equal(4, get_num_threads());

            // More lanes than items: one lane per item; one lane: the calling thread.
            var threads = new ConcurrentBag<int>();
            WorkLanes.Run(2, 8, _ => { Thread.Sleep(20); threads.Add(Environment.CurrentManagedThreadId); });
            Assert.Equal(2, threads.Distinct().Count());
            var caller = new List<int>();
            WorkLanes.Run(3, 1, _ => caller.Add(Environment.CurrentManagedThreadId));
            Assert.Equal([Environment.CurrentManagedThreadId], caller.Distinct());
        }
        finally { set_num_threads(before); }
    }

    [Fact]
    public void The_first_failed_item_is_rethrown_and_no_item_starts_after_a_failure()
    {
        var before = get_num_threads();
        var started = new ConcurrentBag<int>();
        var e = Assert.Throws<InvalidOperationException>(() => WorkLanes.Run(20, 2, i =>
        {
            started.Add(i);
            Thread.Sleep(10);
            if (i is 1 or 2) throw new InvalidOperationException($"item {i}");
        }));
        Assert.Equal("item 1", e.Message);
        // Items 0–3 at most: each lane stops taking items once one has failed.
        Assert.True(started.Max() <= 3, string.Join(",", started.Order()));
        Assert.Equal(before, get_num_threads());
    }

    [Fact]
    public void Training_stop_requests_reach_the_lanes()
    {
        var stop = new Muscle.Training.TrainingStop();
        using var _ = stop.Use();
        var seen = new ConcurrentBag<bool>();
        WorkLanes.Run(2, 2, _ => seen.Add(ReferenceEquals(Muscle.Training.TrainingStop.Current, stop)));
        Assert.Equal([true, true], seen);
    }
}
