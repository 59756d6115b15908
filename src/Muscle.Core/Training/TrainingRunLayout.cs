using System.Diagnostics;
using System.Text.Json.Nodes;
using System.Text.Json;
using Muscle.Adapters;
using Muscle.Distillation;
using Muscle.IO;
using Muscle.Infrastructure;
using Muscle.Models;
using Muscle.Pretraining;
using Muscle.Recipes;
using TorchSharp;
using static TorchSharp.torch;

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
