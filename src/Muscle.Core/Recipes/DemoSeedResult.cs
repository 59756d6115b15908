using System.Text.Json.Nodes;
using Muscle.Distillation;
using Muscle.Evaluation;
using Muscle.Infrastructure;
using Muscle.Pretraining;
using Muscle.Recipes;
using Muscle.Training;
using Muscle.World;
using static TorchSharp.torch;

namespace Muscle.Recipes;

/// <summary>What one adapter seed produced: the task rows and the strategies on the multiple-choice task.</summary>
public sealed record DemoSeedResult(long Seed, IReadOnlyList<DemoTaskRow> Tasks, IReadOnlyList<AblationRow> Strategies);
