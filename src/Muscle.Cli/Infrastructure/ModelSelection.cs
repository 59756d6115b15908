using static TorchSharp.torch;

namespace Muscle.Cli.Infrastructure;

/// <summary>
/// What <see cref="ModelOptionSet"/> binds: the model and adapter directories (null where the command takes none), the
/// weight dtype (<c>--dtype</c>, resolved) and the device every model of the command computes on (<c>--device</c>, resolved).
/// </summary>
public sealed record ModelSelection(string? ModelDir, string? AdapterDir, ScalarType DType, Device Device);
