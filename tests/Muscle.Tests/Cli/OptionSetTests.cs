using System.CommandLine;
using Muscle.Cli.Commands;
using Muscle.Cli.Infrastructure;
using Muscle.Distillation;
using Muscle.Models;
using Muscle.Training;

namespace Muscle.Tests.Cli;

/// <summary>
/// The shared option sets: every command that takes a setting gets the same declaration (name, help text, default), and
/// binding nothing gives the library record's defaults.
/// </summary>
public sealed class OptionSetTests
{
    private static readonly string[] CompatCommands = ["train-compat", "update", "ablate"];

    private static readonly string[] StrategyOptions =
        ["--ce-weight", "--temperature", "--t2-scale", "--focal-alpha", "--focal-beta", "--with-token-loss", "--teacher-cache", "--teacher-cache-k"];

    private static Dictionary<string, Command> Commands() =>
        CommandCatalog.All(new CliContext(TextWriter.Null, TextWriter.Null)).ToDictionary(c => c.Name);

    private static Option? Find(Command command, string name) => command.Options.SingleOrDefault(o => o.Name == name);

    [Fact]
    public void EveryCompatibilityCommandTakesTheSameStrategyOptions()
    {
        var commands = Commands();
        foreach (var name in StrategyOptions)
        {
            var descriptions = CompatCommands.Select(c => Find(commands[c], name)?.Description).ToList();
            Assert.All(descriptions, d => Assert.False(string.IsNullOrEmpty(d), $"{name} missing"));
            Assert.Single(descriptions.Distinct());
        }
        Assert.NotNull(Find(commands["train-compat"], "--strategy"));
        Assert.NotNull(Find(commands["update"], "--strategy"));
        Assert.Null(Find(commands["ablate"], "--strategy")); // ablate's arms come from --strategies
    }

    [Fact]
    public void EveryCommandThatLoadsAModelTakesTheSameDtypeAndDevice()
    {
        var commands = Commands();
        string[] loaders = ["generate", "eval", "train-adapter", "train-compat", "update", "ablate", "pretrain", "demo"];
        foreach (var name in new[] { "--dtype", "--device" })
        {
            var descriptions = loaders.Select(c => Find(commands[c], name)?.Description).ToList();
            Assert.All(descriptions, d => Assert.False(string.IsNullOrEmpty(d), $"{name} missing"));
            Assert.Single(descriptions.Distinct());
        }
        foreach (var name in new[] { "compare", "data", "convert", "version" })
            Assert.Null(Find(commands[name], "--device"));
    }

    [Fact]
    public void TrainingCommandsShareTheRecipeAndLoraOptions()
    {
        var commands = Commands();
        foreach (var name in new[] { "--rank", "--alpha", "--dropout", "--targets", "--lr", "--epochs", "--seed", "--loss-on", "--resume" })
        {
            var descriptions = new[] { "train-adapter", "train-compat", "update", "ablate" }.Select(c => Find(commands[c], name)?.Description).ToList();
            Assert.All(descriptions, Assert.NotNull);
            Assert.Single(descriptions.Distinct());
        }
    }

    [Fact]
    public void BindingNoArgumentsGivesTheLibraryDefaults()
    {
        var compat = new CompatibilityOptionSet();
        var recipe = new TrainingOptionSet();
        var weights = new ModelOptionSet(withModel: false);
        var root = new RootCommand();
        compat.AddTo(root);
        recipe.AddTo(root);
        weights.AddTo(root);
        var parse = root.Parse([]);
        Assert.Empty(parse.Errors);

        Assert.Equal(new CompatibilityLossOptions(), compat.Bind(parse));
        Assert.Null(compat.TeacherCache.Bind(parse));
        Assert.Equal(new AdapterTrainingOptions(), recipe.Bind(parse));
        var bound = weights.Bind(parse, TextWriter.Null);
        Assert.Equal(DTypes.Default, bound.DType); // auto, with no checkpoint named: float32
        Assert.Equal(ComputeDevices.Resolve(ComputeDevices.Auto).type, bound.Device.type);
    }

    [Fact]
    public void StrategyOptionsBindIntoTheLossOptions()
    {
        var compat = new CompatibilityOptionSet();
        var root = new RootCommand();
        compat.AddTo(root);
        var parse = root.Parse(["--strategy", "focal-kl", "--ce-weight", "0.3", "--temperature", "3", "--t2-scale",
                                "--focal-alpha", "0.5", "--focal-beta", "2", "--teacher-cache", "cache", "--teacher-cache-k", "8"]);
        Assert.Empty(parse.Errors);
        var options = compat.Bind(parse);
        Assert.Equal("focal-kl", options.Strategy.Id);
        Assert.Equal((0.3, 3.0, true, 0.5, 2.0), (options.CeWeight!.Value, options.Temperature, options.T2Scale, options.FocalAlpha, options.FocalBeta));
        Assert.Equal(8, compat.TeacherCache.Bind(parse)!.K);
    }

    [Fact]
    public void LoraOptionsRoundTripThroughTheTrainingOptions()
    {
        var recipe = new TrainingOptionSet();
        var root = new RootCommand();
        recipe.AddTo(root);
        var options = recipe.Bind(root.Parse(["--rank", "4", "--alpha", "8", "--dropout", "0.1", "--targets", "q_proj, v_proj"]));
        Assert.Equal((4, 8.0, 0.1), (options.Rank, options.Alpha, options.Dropout));
        Assert.Equal(["q_proj", "v_proj"], options.Targets);
        var config = options.ToLoraConfig();
        Assert.Equal(options, new AdapterTrainingOptions().WithLora(config) with
        {
            LearningRate = options.LearningRate, Seed = options.Seed,
        });
    }

    [Theory]
    [InlineData]
    [InlineData("--help")]
    [InlineData("update", "--help")]
    [InlineData("ablate", "--help")]
    [InlineData("train-compat", "--help")]
    public void HelpRenders(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        Assert.Equal(0, MuscleApp.Run(args, stdout, stderr));
        Assert.Equal("", stderr.ToString());
        Assert.Contains(args.Length <= 1 ? "update" : "--focal-beta", stdout.ToString()); // `muscle` alone lists the commands
    }
}
