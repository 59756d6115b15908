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

    public Option<string> Strategy { get; } = new("--strategy")
    {
        Description = $"Compatibility strategy: {string.Join(", ", CompatibilityStrategies.Ids)}"
                      + (withSelection ? $"; or {Auto}: train the candidates that fit the task (token-level; for multiple choice also choice-level) and "
                                         + "choose on the validation split (lowest NFR_c within --select-tolerance of v2's score)." : "."),
        DefaultValueFactory = _ => D.Strategy.Id,
    };

    /// <summary>The <c>--strategy</c> value that chooses among candidates on the validation split.</summary>
    public const string Auto = "auto";

    public Option<double> SelectTolerance { get; } = new("--select-tolerance")
    {
        Description = "With --strategy auto (update) or --select (ablate): how many points a candidate's validation score may lie below the v2 adapter's.",
        DefaultValueFactory = _ => 100 * Muscle.Recipes.StrategySelection.DefaultTolerance,
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
        if (withSelection) command.Options.Add(SelectTolerance);
        foreach (Option o in new Option[] { CeWeight, Temperature, T2Scale, FocalAlpha, FocalBeta, WithTokenLoss }) command.Options.Add(o);
        TeacherCache.AddTo(command);
    }

    /// <summary>
    /// The loss options these settings describe, checked. Without <c>--strategy</c> (ablate) they are the base every arm
    /// starts from, with the default strategy, and each arm is checked when the grid is built.
    /// </summary>
    public CompatibilityLossOptions Bind(ParseResult parse)
    {
        if (!withSelection && withStrategy && string.Equals(parse.GetValue(Strategy)?.Trim(), Auto, StringComparison.OrdinalIgnoreCase))
            throw new Muscle.Infrastructure.MuscleInputException("--strategy auto chooses on a validation split against a test run: use muscle update --strategy auto");
        var options = new CompatibilityLossOptions
        {
            Strategy = withStrategy && !IsAuto(parse) ? CompatibilityStrategies.Parse(parse.GetValue(Strategy)!) : D.Strategy,
            CeWeight = parse.GetValue(CeWeight),
            Temperature = parse.GetValue(Temperature),
            T2Scale = parse.GetValue(T2Scale),
            FocalAlpha = parse.GetValue(FocalAlpha),
            FocalBeta = parse.GetValue(FocalBeta),
            WithTokenLoss = parse.GetValue(WithTokenLoss),
        };
        if (withStrategy && !IsAuto(parse)) options.Validate();
        return options;
    }

    /// <summary>True for <c>--strategy auto</c>.</summary>
    public bool IsAuto(ParseResult parse) =>
        withStrategy && withSelection && string.Equals(parse.GetValue(Strategy)?.Trim(), Auto, StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// The selection settings when <paramref name="select"/> (<c>--strategy auto</c>, <c>ablate --select</c>), checked; null
    /// otherwise, and then a given <c>--select-tolerance</c> is refused rather than ignored.
    /// </summary>
    public Muscle.Recipes.StrategySelectionOptions? BindSelection(ParseResult parse, bool select, string selectOption)
    {
        if (!select)
        {
            if (parse.GetResult(SelectTolerance) is { Implicit: false })
                throw new Muscle.Infrastructure.MuscleInputException($"--select-tolerance applies only with {selectOption}");
            return null;
        }
        var options = new Muscle.Recipes.StrategySelectionOptions { Tolerance = parse.GetValue(SelectTolerance) / 100 };
        options.Validate();
        return options;
    }
}
