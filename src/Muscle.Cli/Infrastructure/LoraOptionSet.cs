using System.CommandLine;
using Muscle.Adapters;
using Muscle.Training;

namespace Muscle.Cli.Infrastructure;

/// <summary>The LoRA shape of a trained adapter; defaults are <see cref="AdapterTrainingOptions"/>'s (the paper's recipe).</summary>
public sealed class LoraOptionSet
{
    private static readonly LoraConfig D = new AdapterTrainingOptions().ToLoraConfig();

    public Option<int> Rank { get; } = new("--rank") { Description = "LoRA rank r.", DefaultValueFactory = _ => D.R };
    public Option<double> Alpha { get; } = new("--alpha") { Description = "LoRA alpha (scaling alpha/r).", DefaultValueFactory = _ => D.LoraAlpha };
    public Option<double> Dropout { get; } = new("--dropout") { Description = "LoRA dropout.", DefaultValueFactory = _ => D.LoraDropout };
    public Option<string> Targets { get; } = new("--targets")
    {
        Description = $"Comma-separated module names, or {LoraConfig.AllLinear} (lm_head excluded).",
        DefaultValueFactory = _ => D.TargetModules is { } names ? string.Join(',', names) : LoraConfig.AllLinear,
    };

    public void AddTo(Command command)
    {
        foreach (Option o in new Option[] { Rank, Alpha, Dropout, Targets }) command.Options.Add(o);
    }

    /// <summary>The PEFT config these options describe; range checks are <see cref="AdapterTrainingOptions.Validate"/>'s.</summary>
    public LoraConfig Bind(ParseResult parse)
    {
        var targets = parse.GetValue(Targets)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return new LoraConfig
        {
            R = parse.GetValue(Rank),
            LoraAlpha = parse.GetValue(Alpha),
            LoraDropout = parse.GetValue(Dropout),
            TargetModules = targets is [] or [LoraConfig.AllLinear] ? null : targets,
        };
    }
}
