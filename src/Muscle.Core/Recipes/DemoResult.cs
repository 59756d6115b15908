namespace Muscle.Recipes;

public sealed record DemoResult(IReadOnlyList<DemoSeedResult> Seeds, string OutDir, IReadOnlyList<string> SkippedStages)
{
    public IReadOnlyList<DemoTaskRow> Tasks => Seeds[0].Tasks;
}
