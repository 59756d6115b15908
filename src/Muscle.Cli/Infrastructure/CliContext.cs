namespace Muscle.Cli.Infrastructure;

/// <summary>What every command handler gets injected: where to write results and where to write diagnostics.</summary>
public sealed record CliContext(TextWriter Out, TextWriter Error);
