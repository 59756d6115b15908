using System.CommandLine;
using Muscle.Models;

namespace Muscle.Cli.Infrastructure;

/// <summary>
/// How a command loads its model: <c>--model</c> and <c>--adapter</c> where it takes one base (commands that name their
/// models otherwise, e.g. <c>--old-model</c>, leave them out) and <c>--dtype</c> everywhere a model is loaded.
/// </summary>
public sealed class ModelOptionSet(bool withModel = true, bool withAdapter = false)
{
    public Option<DirectoryInfo> Model { get; } = new("--model") { Description = "HF model directory (config.json, safetensors, tokenizer).", Required = true };
    public Option<DirectoryInfo?> Adapter { get; } = new("--adapter") { Description = "PEFT LoRA adapter directory (optional)." };
    public Option<string> DType { get; } = new("--dtype")
    {
        Description = "Model weights: float32 or bfloat16 (optimizer state stays fp32 when training).",
        DefaultValueFactory = _ => DTypes.Name(DTypes.Default),
        CompletionSources = { "float32", "bfloat16" },
    };

    public void AddTo(Command command)
    {
        if (withModel) command.Options.Add(Model);
        if (withAdapter) command.Options.Add(Adapter);
        command.Options.Add(DType);
    }

    public ModelSelection Bind(ParseResult parse) => new(
        withModel ? parse.GetValue(Model)!.FullName : null,
        withAdapter ? parse.GetValue(Adapter)?.FullName : null,
        DTypes.Parse(parse.GetValue(DType)!));

    /// <summary>The directories these options name, with the option that named each (for <see cref="Muscle.Infrastructure.OutputGuard"/>).</summary>
    public (string Option, string? Path)[] Inputs(ParseResult parse) =>
    [
        (Model.Name, withModel ? parse.GetValue(Model)?.FullName : null), (Adapter.Name, withAdapter ? parse.GetValue(Adapter)?.FullName : null),
    ];
}
