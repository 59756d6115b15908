using System.CommandLine;
using Muscle.Distillation;

namespace Muscle.Cli.Infrastructure;

/// <summary>
/// How a compatibility adapter is trained, shared by <c>train-compat</c>, <c>update</c> and <c>ablate</c>: the strategy and
/// its loss knobs (defaults are <see cref="CompatibilityLossOptions"/>'s) and the teacher cache (<see cref="TeacherCache"/>).
/// <c>ablate</c> takes its strategies from <c>--strategies</c>, so it leaves out <c>--strategy</c>.
/// </summary>
public sealed class CompatibilityOptionSet(bool withStrategy = true)
{
    private static readonly CompatibilityLossOptions D = new();

    public Option<string> Strategy { get; } = new("--strategy")
    {
        Description = $"Compatibility strategy: {string.Join(", ", CompatibilityStrategies.Ids)}.", DefaultValueFactory = _ => D.Strategy.Id,
        CompletionSources = { CompatibilityStrategies.Ids.ToArray() },
    };
    public Option<double?> CeWeight { get; } = new("--ce-weight")
    {
        Description = "λ in L = λ·L_comp + (1−λ)·CE; unset: no CE term. " +
                      string.Join(" and ", CompatibilityStrategies.All.Where(s => s.RequiresCeWeight).Select(s => s.Id)) +
                      $" require it; where unset, xie-better (as its α) and ablate's '+ce' and likelihood arms use {CompatibilityLossOptions.DefaultMixWeight}.",
    };
    public Option<double> Temperature { get; } = new("--temperature") { Description = "KD temperature T.", DefaultValueFactory = _ => D.Temperature };
    public Option<bool> T2Scale { get; } = new("--t2-scale") { Description = "Multiply L_comp by T² (focal and xie-better strategies use T² by definition)." };
    public Option<double> FocalAlpha { get; } = new("--focal-alpha") { Description = "Focal distillation base weight α.", DefaultValueFactory = _ => D.FocalAlpha };
    public Option<double> FocalBeta { get; } = new("--focal-beta")
    {
        Description = "Focal distillation extra weight β where the old model is right.", DefaultValueFactory = _ => D.FocalBeta,
    };
    public Option<bool> WithTokenLoss { get; } = new("--with-token-loss") { Description = "Choice-level strategies: add the paper's token-level muscle term." };
    public TeacherCacheOptionSet TeacherCache { get; } = new();

    public void AddTo(Command command)
    {
        if (withStrategy) command.Options.Add(Strategy);
        foreach (Option o in new Option[] { CeWeight, Temperature, T2Scale, FocalAlpha, FocalBeta, WithTokenLoss }) command.Options.Add(o);
        TeacherCache.AddTo(command);
    }

    /// <summary>
    /// The loss options these settings describe, checked. Without <c>--strategy</c> (ablate) they are the base every arm
    /// starts from, with the default strategy, and each arm is checked when the grid is built.
    /// </summary>
    public CompatibilityLossOptions Bind(ParseResult parse)
    {
        var options = new CompatibilityLossOptions
        {
            Strategy = withStrategy ? CompatibilityStrategies.Parse(parse.GetValue(Strategy)!) : D.Strategy,
            CeWeight = parse.GetValue(CeWeight),
            Temperature = parse.GetValue(Temperature),
            T2Scale = parse.GetValue(T2Scale),
            FocalAlpha = parse.GetValue(FocalAlpha),
            FocalBeta = parse.GetValue(FocalBeta),
            WithTokenLoss = parse.GetValue(WithTokenLoss),
        };
        if (withStrategy) options.Validate();
        return options;
    }
}
