namespace Muscle.Training;

/// <summary>
/// Where a training run writes — the one owner of a run directory's layout, for every recipe: the recipe's result at
/// the root (a PEFT adapter, or an HF model directory), the resumable checkpoint in <c>checkpoints/last</c>, the best
/// adapter by validation loss in <c>checkpoints/best</c>.
/// </summary>
public sealed record TrainingRunLayout(string OutDir)
{
    private const string CheckpointsFolder = "checkpoints";

    public const string StateFileName = "trainer_state.json";
    public const string OptimizerFileName = "optimizer.safetensors";

    public string CheckpointDir => Path.Combine(OutDir, CheckpointsFolder, "last");
    public string BestDir => Path.Combine(OutDir, CheckpointsFolder, "best");
    public string StateFile => Path.Combine(CheckpointDir, StateFileName);
    public string OptimizerFile => Path.Combine(CheckpointDir, OptimizerFileName);
    public string HistoryFile => Path.Combine(OutDir, "training_history.json");

    /// <summary>True when <paramref name="outDir"/> holds a (possibly half-written) resumable checkpoint.</summary>
    public static bool HasCheckpoint(string outDir) => Directory.Exists(new TrainingRunLayout(outDir).CheckpointDir);
}
