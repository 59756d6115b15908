using System.Reflection;

namespace Muscle.Cli.Infrastructure;

/// <summary>
/// The one version string of the tool, printed alike by <c>muscle version</c> and <c>muscle --version</c>: the
/// assembly's informational version (the package version and, from a git checkout, <c>+commit</c>), then the LibTorch
/// backend, its thread count and the CUDA devices it sees.
/// </summary>
public static class ToolVersion
{
    /// <summary>The informational version (<c>1.0.0+0a43af0…</c>); the assembly version where it has none.</summary>
    public static string Informational { get; } =
        typeof(ToolVersion).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? typeof(ToolVersion).Assembly.GetName().Version?.ToString() ?? "unknown";

    /// <summary>The line both version commands print.</summary>
    public static string Line()
    {
        var cuda = TorchSharp.torch.cuda.is_available() ? $"{TorchSharp.torch.cuda.device_count()} device(s)" : "none";
        return $"muscle {Informational} (TorchSharp {typeof(TorchSharp.torch).Assembly.GetName().Version}, threads {TorchSharp.torch.get_num_threads()}, CUDA {cuda})";
    }
}
