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

public sealed record DemoResult(IReadOnlyList<DemoSeedResult> Seeds, string OutDir, IReadOnlyList<string> SkippedStages)
{
    public IReadOnlyList<DemoTaskRow> Tasks => Seeds[0].Tasks;
    public IReadOnlyList<AblationRow> Strategies => Seeds[0].Strategies;
}
