using static TorchSharp.torch;

namespace Muscle.Cli.Infrastructure;

/// <summary>What <see cref="ModelOptionSet"/> binds: the model and adapter directories (null where the command takes none) and the weight dtype.</summary>
public sealed record ModelSelection(string? ModelDir, string? AdapterDir, ScalarType DType);
