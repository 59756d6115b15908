namespace Muscle.Recipes;

/// <summary>Where a pretraining run writes: the HF model at the root, the resumable checkpoint below.</summary>
public sealed record PretrainLayout(string OutDir)
{
    public const string StateFileName = "pretrain_state.json";
    public const string OptimizerFileName = "optimizer.safetensors";

    public string CheckpointDir => Path.Combine(OutDir, "checkpoints", "last");
    public string CheckpointState => Path.Combine(CheckpointDir, StateFileName);
    public string StateFile => Path.Combine(OutDir, StateFileName);
}
