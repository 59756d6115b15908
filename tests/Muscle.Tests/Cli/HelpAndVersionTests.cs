using System.CommandLine;
using System.CommandLine.Completions;
using Muscle.Cli.Commands;
using Muscle.Cli.Infrastructure;

namespace Muscle.Tests.Cli;

/// <summary>
/// What a new user reads first: <c>--help</c> names the values of every option that takes a fixed set of them (and its
/// default), and both ways of asking for the version print the same line.
/// </summary>
public sealed class HelpAndVersionTests
{
    /// <summary>Options that take one of a fixed set of values; each must declare them (completion sources) wherever it appears.</summary>
    private static readonly string[] FixedValueOptions = ["--loss-on", "--strategy", "--dtype", "--task"];

    private static (int Exit, string Out, string Err) Run(params string[] args)
    {
        var (o, e) = (new StringWriter(), new StringWriter());
        var exit = MuscleApp.Run(args, o, e);
        return (exit, o.ToString(), e.ToString());
    }

    private static IEnumerable<(string[] Path, Command Command)> Walk(IEnumerable<Command> commands, string[] parent)
    {
        foreach (var c in commands)
        {
            string[] path = [.. parent, c.Name];
            yield return (path, c);
            foreach (var sub in Walk(c.Subcommands, path)) yield return sub;
        }
    }

    private static List<(string[] Path, Command Command)> AllCommands() =>
        Walk(CommandCatalog.All(new CliContext(TextWriter.Null, TextWriter.Null)), []).ToList();

    [Fact]
    public void Every_fixed_value_option_lists_its_values_and_default_in_help()
    {
        var checkedOptions = 0;
        foreach (var (path, command) in AllCommands())
        {
            var options = command.Options.Where(o => o.ValueType != typeof(bool)).ToList();
            if (options.Count == 0) continue;
            var (exit, help, err) = Run([.. path, "--help"]);
            Assert.True(exit == 0, err);
            var lines = help.Split('\n');
            foreach (var option in options)
            {
                var values = option.GetCompletions(CompletionContext.Empty).Select(c => c.Label).ToList();
                if (FixedValueOptions.Contains(option.Name))
                    Assert.True(values.Count > 1, $"{string.Join(' ', path)} {option.Name}: no fixed values declared");
                if (values.Count == 0) continue;
                var line = lines.SingleOrDefault(l => l.TrimStart().StartsWith(option.Name + " ", StringComparison.Ordinal)
                                                      || l.TrimStart().StartsWith(option.Name + ",", StringComparison.Ordinal));
                Assert.True(line is not null, $"{string.Join(' ', path)}: no help line for {option.Name}");
                foreach (var v in values) Assert.True(line.Contains(v, StringComparison.Ordinal), $"{string.Join(' ', path)} {option.Name}: help does not name '{v}': {line}");
                if (option.HasDefaultValue) Assert.Contains("[default: ", line);
                checkedOptions++;
            }
        }
        // train-adapter, train-compat, update, ablate, eval, data inspect, generate, ... all take some of them.
        Assert.True(checkedOptions >= 15, $"only {checkedOptions} fixed-value options found");
    }

    [Fact]
    public void Version_and_dash_dash_version_print_the_same_informational_version()
    {
        var (exit1, out1, err1) = Run("version");
        var (exit2, out2, err2) = Run("--version");
        Assert.True(exit1 == 0, err1);
        Assert.True(exit2 == 0, err2);
        Assert.Equal(out1, out2);
        Assert.StartsWith($"muscle {ToolVersion.Informational} ", out1);
        Assert.Contains("TorchSharp", out1);
    }

    [Fact]
    public void Every_missing_required_option_is_named_in_one_line()
    {
        var (exit, stdout, stderr) = Run("update", "--old-model", "x");
        Assert.Equal(MuscleApp.ExitBadInput, exit);
        Assert.Equal("", stdout);
        var line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("error: missing required options: ", line);
        foreach (var name in new[] { "--old-adapter", "--new-model", "--task", "--train", "--test", "--out" })
            Assert.Contains(name, line);
        Assert.DoesNotContain("--old-model", line);
    }
}
