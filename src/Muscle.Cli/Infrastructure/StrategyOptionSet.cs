using System.CommandLine;
using Muscle.Distillation;
using Muscle.Recipes;

namespace Muscle.Cli.Infrastructure;

/// <summary>
/// Which compatibility strategy a run trains: <c>--strategy</c> and, with <paramref name="withSelection"/>, its value
/// <c>auto</c> and <c>--select-tolerance</c> (<see cref="StrategySelection"/>). Part of <see cref="CompatibilityOptionSet"/>
/// (update, train-compat; ablate takes only the tolerance, for <c>--select</c>) and of <c>demo</c>, whose default is <c>auto</c>.
/// </summary>
public sealed class StrategyOptionSet(string defaultStrategy, bool withSelection)
{
    /// <summary>The <c>--strategy</c> value that chooses among candidates on the validation split.</summary>
    public const string Auto = "auto";

    public Option<string> Strategy { get; } = new("--strategy")
    {
        Description = $"Compatibility strategy: {string.Join(", ", CompatibilityStrategies.Ids)}"
                      + (withSelection ? $"; or {Auto}: train the candidates that fit the task (token-level; for multiple choice also choice-level) and "
                                         + "choose on the validation split (lowest NFR_c within --select-tolerance of v2's score)." : "."),
        DefaultValueFactory = _ => defaultStrategy,
        CompletionSources = { (withSelection ? CompatibilityStrategies.Ids.Append(Auto) : CompatibilityStrategies.Ids).ToArray() },
    };

    public Option<double> SelectTolerance { get; } = new("--select-tolerance")
    {
        Description = "With --strategy auto or ablate --select: how many points a candidate's validation score may lie below the v2 adapter's "
                      + "(default 2: about one standard error of a paired score difference on a few hundred validation items).",
        DefaultValueFactory = _ => 100 * StrategySelection.DefaultTolerance,
    };

    public void AddTo(Command command, bool withStrategy = true)
    {
        if (withStrategy) command.Options.Add(Strategy);
        if (withSelection) command.Options.Add(SelectTolerance);
    }

    /// <summary>True for <c>--strategy auto</c> where it is offered; refused where it is not (train-compat trains one strategy).</summary>
    public bool IsAuto(ParseResult parse)
    {
        var auto = string.Equals(parse.GetValue(Strategy)?.Trim(), Auto, StringComparison.OrdinalIgnoreCase);
        if (auto && !withSelection)
            throw new Muscle.Infrastructure.MuscleInputException("--strategy auto chooses on a validation split against a test run: use muscle update --strategy auto");
        return auto;
    }

    /// <summary>
    /// The selection settings when <paramref name="select"/> (<c>--strategy auto</c>, <c>ablate --select</c>), checked; null
    /// otherwise, and then a given <c>--select-tolerance</c> is refused rather than ignored.
    /// </summary>
    public StrategySelectionOptions? BindSelection(ParseResult parse, bool select, string selectOption)
    {
        if (!select)
        {
            if (withSelection && parse.GetResult(SelectTolerance) is { Implicit: false })
                throw new Muscle.Infrastructure.MuscleInputException($"--select-tolerance applies only with {selectOption}");
            return null;
        }
        var options = new StrategySelectionOptions { Tolerance = parse.GetValue(SelectTolerance) / 100 };
        options.Validate();
        return options;
    }
}
