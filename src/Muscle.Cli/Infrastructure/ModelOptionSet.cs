using System.CommandLine;
using Muscle.Models;

namespace Muscle.Cli.Infrastructure;

/// <summary>
/// How a command loads its model: <c>--model</c> and <c>--adapter</c> where it takes one base (commands that name their
/// models otherwise, e.g. <c>--old-model</c>, leave them out), and <c>--dtype</c> and <c>--device</c> everywhere a model
/// is loaded or trained.
/// </summary>
public sealed class ModelOptionSet(bool withModel = true, bool withAdapter = false)
{
    public Option<DirectoryInfo> Model { get; } = new("--model") { Description = "HF model directory (config.json, safetensors, tokenizer).", Required = true };
    public Option<DirectoryInfo?> Adapter { get; } = new("--adapter") { Description = "PEFT LoRA adapter directory (optional)." };
    public Option<string> DType { get; } = new("--dtype")
    {
        Description = "Model weights: auto (the checkpoint's dtype from config.json; bfloat16 only where the device computes it " +
                      "natively, else float32), float32 or bfloat16. Optimizer state stays fp32 when training.",
        DefaultValueFactory = _ => DTypePolicy.Auto,
        CompletionSources = { DTypePolicy.Auto, "float32", "bfloat16" },
    };
    public Option<string> Device { get; } = new("--device")
    {
        Description = "Where to compute: auto (the first CUDA device if there is one, else the CPU), cpu, cuda or cuda:N.",
        DefaultValueFactory = _ => ComputeDevices.Auto,
    };

    /// <summary>The CPU <c>--dtype auto</c> judges (null: this machine's /proc/cpuinfo); a test sets a fake one.</summary>
    public CpuFeatures? Cpu { get; init; }

    public void AddTo(Command command)
    {
        if (withModel) command.Options.Add(Model);
        if (withAdapter) command.Options.Add(Adapter);
        command.Options.Add(DType);
        command.Options.Add(Device);
    }

    /// <summary>
    /// The model and adapter directories, the device and the weight dtype, resolved by <see cref="DTypePolicy"/> against the
    /// checkpoints the command loads (<c>--model</c>'s, plus <paramref name="checkpoints"/>: model directories or
    /// config.json files). The dtype's note or warning, if any, goes to <paramref name="notes"/> (stderr), once.
    /// </summary>
    public ModelSelection Bind(ParseResult parse, TextWriter notes, params string?[] checkpoints)
    {
        var modelDir = withModel ? parse.GetValue(Model)!.FullName : null;
        var adapterDir = withAdapter ? parse.GetValue(Adapter)?.FullName : null;
        var device = ComputeDevices.Resolve(parse.GetValue(Device)!);
        string?[] sources = withModel ? [modelDir, .. checkpoints] : checkpoints;
        var choice = DTypePolicy.Resolve(parse.GetValue(DType)!, sources.Where(s => s is not null).Select(DTypePolicy.CheckpointDType).ToList(),
            device, Cpu ?? CpuFeatures.ThisMachine);
        if (choice.Message is not null) notes.WriteLine(choice.Message);
        return new(modelDir, adapterDir, choice.DType, device);
    }

    /// <summary>The directories these options name, with the option that named each (for <see cref="Muscle.Infrastructure.OutputGuard"/>).</summary>
    public (string Option, string? Path)[] Inputs(ParseResult parse) =>
    [
        (Model.Name, withModel ? parse.GetValue(Model)?.FullName : null), (Adapter.Name, withAdapter ? parse.GetValue(Adapter)?.FullName : null),
    ];
}
