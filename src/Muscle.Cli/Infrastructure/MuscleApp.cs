using System.CommandLine;
using Muscle.Cli.Commands;
using Muscle.Infrastructure;
using Muscle.Training;

namespace Muscle.Cli.Infrastructure;

/// <summary>
/// Composition root of the <c>muscle</c> tool: builds the command tree and owns the single top-level catch
/// that turns user errors into one line and exit code 2 (stack trace only with <c>--verbose</c>).
/// </summary>
public static class MuscleApp
{
    public const int ExitOk = 0;
    public const int ExitFailure = 1;
    public const int ExitBadInput = 2;

    /// <summary>The conventional exit code of a process stopped by SIGINT (128 + 2).</summary>
    public const int ExitInterrupted = 130;

    /// <summary>
    /// Runs the command line. <paramref name="stop"/>, when given, is installed around the command: a training loop
    /// listens to it, checkpoints and stops (the host raises it on SIGINT/SIGTERM, tests directly).
    /// </summary>
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr, Spectre.Console.IAnsiConsole? progressConsole = null,
                          TrainingStop? stop = null)
    {
        var verbose = new Option<bool>("--verbose") { Description = "Show stack traces for errors.", Recursive = true };
        var root = new RootCommand(
            "Muscle.NET: measure and fix negative flips when a task adapter moves to a new base LLM (MUSCLE, arXiv 2407.09435).");
        var threads = new Option<int?>("--threads")
        {
            Description = "CPU threads for tensor math (default: LibTorch's choice, one per core; idle threads sleep when other processes keep the CPUs busy at start-up).",
            Recursive = true,
        };
        // --version prints what `muscle version` prints (System.CommandLine's own prints the bare informational version).
        root.Options.OfType<VersionOption>().Single().Action = new PrintLine(() => ToolVersion.Line());
        root.Options.Add(verbose);
        root.Options.Add(threads);
        var ctx = new CliContext(stdout, stderr, progressConsole);
        foreach (var command in CommandCatalog.All(ctx)) root.Subcommands.Add(command);

        // `muscle` alone asks for nothing: show the commands instead of a parse error.
        var parse = root.Parse(args.Length == 0 ? ["--help"] : args);
        var isVerbose = parse.GetValue(verbose);
        if (parse.Errors.Count > 0)
        {
            // An unknown option first (it may be a misspelt required one); then every missing required option in one
            // line (System.CommandLine reports one error per missing option), so a user learns them all in one run.
            var unrecognized = parse.Errors.FirstOrDefault(e => e.Message.StartsWith("Unrecognized", StringComparison.Ordinal));
            var missing = MissingRequiredOptions(parse);
            stderr.WriteLine(unrecognized is null && missing.Count > 0
                ? $"error: missing required option{(missing.Count == 1 ? "" : "s")}: {string.Join(", ", missing)} (try --help)"
                : $"error: {(unrecognized ?? parse.Errors[0]).Message} (try --help)");
            return ExitBadInput;
        }
        using var stopScope = stop?.Use();
        try
        {
            if (parse.GetValue(threads) is int n)
            {
                if (n < 1) throw new MuscleInputException($"--threads must be >= 1, got {n}");
                // LibTorch's intra-op pool starts every thread asked for (100000 made over 11,000 before failing); more than
                // a few per core only adds contention, so the bound is 4 per logical processor.
                var most = Environment.ProcessorCount * 4;
                if (n > most)
                    throw new MuscleInputException(
                        $"--threads must be <= {most} (4 per logical processor; this machine has {Environment.ProcessorCount}), got {n}");
                TorchSharp.torch.set_num_threads(n);
            }
            return parse.Invoke(new InvocationConfiguration
            {
                EnableDefaultExceptionHandler = false,
                Output = stdout,
                Error = stderr,
            });
        }
        catch (MuscleInputException e)
        {
            stderr.WriteLine($"error: {e.OneLine()}");
            if (isVerbose) stderr.WriteLine(e.ToString());
            return ExitBadInput;
        }
        catch (TrainingStoppedException e)
        {
            // train-adapter, train-compat and pretrain continue with --resume; the pipelines resume their stage on any rerun.
            var again = parse.CommandResult.Command.Name is "train-adapter" or "train-compat" or "pretrain"
                ? "rerun with --resume to continue"
                : "rerun the same command to continue (finished stages are reused)";
            stderr.WriteLine(e.CheckpointStep == 0
                ? "stopping: no checkpoint was written yet; rerun to start again"
                : $"stopping: {(e.SavedOnStop ? "checkpoint written" : "last checkpoint")} at step {e.CheckpointStep} of {e.TotalSteps} ({e.CheckpointDir}); {again}");
            return stop?.ExitCode is > 0 and var code ? code : ExitInterrupted;
        }
        catch (OperationCanceledException)
        {
            stderr.WriteLine("error: cancelled");
            return ExitFailure;
        }
        catch (Exception e)
        {
            stderr.WriteLine($"error: internal error: {e.GetType().Name}: {e.Message.ReplaceLineEndings(" ")}");
            stderr.WriteLine(isVerbose ? e.ToString() : "(run again with --verbose for the stack trace; please report it)");
            return ExitFailure;
        }
    }

    /// <summary>The required options of the invoked command that the command line does not give, in declaration order.</summary>
    private static List<string> MissingRequiredOptions(ParseResult parse)
    {
        var missing = new List<string>();
        for (var command = parse.CommandResult; command is not null; command = command.Parent as System.CommandLine.Parsing.CommandResult)
            missing.AddRange(command.Command.Options.Where(o => o.Required && parse.GetResult(o) is not System.CommandLine.Parsing.OptionResult { Implicit: false }).Select(o => o.Name));
        return missing;
    }
}
