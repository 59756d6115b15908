using System.CommandLine;
using Muscle.Recipes;

namespace Muscle.Cli.Infrastructure;

/// <summary>
/// Everything an update run needs besides its output: the artefacts and data (<see cref="UpdateOptionSet"/>), the
/// compatibility strategy and cache, the training recipe, the dtype and the evaluation settings. Shared by
/// <c>update</c> and <c>ablate</c>, which bind it into one <see cref="UpdateRequest"/>.
/// </summary>
public sealed class UpdateRunOptionSet(bool newAdapterRequired, bool withStrategy)
{
    public UpdateOptionSet Update { get; } = new(newAdapterRequired, withTest: true);
    public CompatibilityOptionSet Compatibility { get; } = new(withStrategy, withSelection: true);
    public TrainingOptionSet Recipe { get; } = new();
    public ModelOptionSet Weights { get; } = new(withModel: false);
    public EvaluationOptionSet Evaluation { get; } = new(withScoring: false);

    public void AddTo(Command command)
    {
        Update.AddTo(command);
        Compatibility.AddTo(command);
        Recipe.AddTo(command);
        Weights.AddTo(command);
        Evaluation.AddTo(command);
    }

    /// <summary>The request, every setting checked, before any work; the dtype's note (if any) goes to <paramref name="notes"/>.</summary>
    /// <param name="select">ablate's <c>--select</c>; null (update): selection is <c>--strategy auto</c>.</param>
    public UpdateRequest Bind(ParseResult parse, string outDir, TextWriter notes, bool? select = null)
    {
        var request = Update.Bind(parse, outDir) with
        {
            Training = Recipe.Bind(parse),
            Compatibility = Compatibility.Bind(parse),
            TeacherCache = Compatibility.TeacherCache.Bind(parse),
            Evaluation = Evaluation.Bind(parse),
            Selection = Compatibility.Choice.BindSelection(parse, select ?? Compatibility.Choice.IsAuto(parse), select is null ? "--strategy auto" : "--select"),
        };
        var weights = Weights.Bind(parse, notes, request.OldModelDir, request.NewModelDir);
        return request with { DType = weights.DType, Device = weights.Device };
    }
}
