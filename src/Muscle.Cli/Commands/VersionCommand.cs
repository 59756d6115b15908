using System.CommandLine;
using Muscle.Cli.Infrastructure;

namespace Muscle.Cli.Commands;

/// <summary><c>muscle version</c>: the tool version and the LibTorch it runs on.</summary>
public static class VersionCommand
{
    public static Command Create(CliContext ctx)
    {
        var command = new Command("version", "Print the Muscle.NET version and the LibTorch backend.");
        command.SetAction(_ =>
        {
            var version = typeof(VersionCommand).Assembly.GetName().Version;
            var cuda = TorchSharp.torch.cuda.is_available() ? $"{TorchSharp.torch.cuda.device_count()} device(s)" : "none";
            ctx.Out.WriteLine($"muscle {version} (TorchSharp {typeof(TorchSharp.torch).Assembly.GetName().Version}, threads {TorchSharp.torch.get_num_threads()}, CUDA {cuda})");
            return 0;
        });
        return command;
    }
}
