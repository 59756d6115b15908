using System.CommandLine;
using Muscle.Distillation;

namespace Muscle.Cli.Infrastructure;

/// <summary>
/// How a compatibility adapter is trained, shared by <c>train-compat</c>, <c>update</c> and <c>ablate</c>: the strategy and
/// its loss knobs (defaults are <see cref="CompatibilityLossOptions"/>'s) and the teacher cache (<see cref="TeacherCache"/>).
/// <c>ablate</c> takes its strategies from <c>--strategies</c>, so it leaves out <c>--strategy</c>. With
/// <paramref name="withSelection"/> (update, ablate) the set also takes <c>--select-tolerance</c>, and update's
/// <c>--strategy</c> takes <c>auto</c>; <c>train-compat</c> trains one strategy and refuses <c>auto</c>.
/// </summary>
public sealed class CompatibilityOptionSet(bool withStrategy = true, bool withSelection = false)
{
    private static readonly CompatibilityLossOptions D = new();

    /// <summary><c>--strategy</c> (and <c>auto</c>, <c>--select-tolerance</c> with selection).</summary>
    public StrategyOptionSet Choice { get; } = new(D.Strategy.Id, withSelection);

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
        Choice.AddTo(command, withStrategy);
        foreach (Option o in new Option[] { CeWeight, Temperature, T2Scale, FocalAlpha, FocalBeta, WithTokenLoss }) command.Options.Add(o);
        TeacherCache.AddTo(command);
    }

    /// <summary>
    /// The loss options these settings describe, checked. Without <c>--strategy</c> (ablate) they are the base every arm
    /// starts from, with the default strategy, and each arm is checked when the grid is built.
    /// </summary>
    public CompatibilityLossOptions Bind(ParseResult parse)
    {
        var auto = withStrategy && Choice.IsAuto(parse);
        var options = new CompatibilityLossOptions
        {
            Strategy = withStrategy && !auto ? CompatibilityStrategies.Parse(parse.GetValue(Choice.Strategy)!) : D.Strategy,
            CeWeight = parse.GetValue(CeWeight),
            Temperature = parse.GetValue(Temperature),
            T2Scale = parse.GetValue(T2Scale),
            FocalAlpha = parse.GetValue(FocalAlpha),
            FocalBeta = parse.GetValue(FocalBeta),
            WithTokenLoss = parse.GetValue(WithTokenLoss),
        };
        if (withStrategy && !auto) options.Validate();
        return options;
    }
}
