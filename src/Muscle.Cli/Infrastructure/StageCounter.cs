using Muscle.Events;

namespace Muscle.Cli.Infrastructure;

/// <summary>
/// Where a pipeline is among its stages ("stage 4/19"): the number of stages comes from the outermost pipeline's
/// <see cref="StagePlan"/> (the one with no stage path), and every stage that starts, or is reused on a rerun, counts one.
/// A job without a plan (a single training) has no stage text.
/// </summary>
public sealed class StageCounter
{
    private int _planned;
    private int _reached;

    public void Observe(RunEvent e)
    {
        switch (e)
        {
            case StagePlan { Stage.Count: 0 } plan when _planned == 0:
                _planned = plan.Stages;
                break;
            case StageStarted:
            case StageDone { Reused: true }:
                _reached++;
                break;
        }
    }

    /// <summary><c>stage k/N</c>, or empty before a plan (or in a job that has none).</summary>
    public string Text => _planned == 0 ? "" : $"stage {_reached}/{_planned}";
}
