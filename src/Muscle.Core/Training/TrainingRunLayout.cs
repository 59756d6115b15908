namespace Muscle.Training;

/// <summary>Where a run writes: the best adapter at the root (a PEFT directory), checkpoints below.</summary>
public sealed record TrainingRunLayout(string OutDir)
{
    public string CheckpointDir => Path.Combine(OutDir, "checkpoints", "last");
    public string BestDir => Path.Combine(OutDir, "checkpoints", "best");
    public string StateFile => Path.Combine(CheckpointDir, "trainer_state.json");
    public string OptimizerFile => Path.Combine(CheckpointDir, "optimizer.safetensors");
    public string HistoryFile => Path.Combine(OutDir, "training_history.json");
}
