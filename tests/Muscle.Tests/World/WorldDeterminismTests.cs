using System.Diagnostics;
using Muscle.World;

namespace Muscle.Tests.World;

public sealed class WorldDeterminismTests(WorldFixture world) : IClassFixture<WorldFixture>
{
    /// <summary>
    /// Hash of the Quick world for seed 1. It changes only when the generator changes: then bump
    /// <see cref="SyntheticWorld.GeneratorVersion"/> and update this constant in the same commit.
    /// </summary>
    private const string QuickSeed1Hash = "5344ece0f20a38384657a8ab215dca0cbc13b2ea4bf2d8cd655b5af91f29ab1c";

    [Fact]
    public void Same_options_give_identical_bytes_and_the_committed_hash()
    {
        var again = SyntheticWorld.Generate(WorldOptions.Quick, world.NewDirectory());
        var hash = WorldFixture.TreeHash(world.Files.Directory);
        Assert.Equal(hash, WorldFixture.TreeHash(again.Directory));
        Assert.True(hash == QuickSeed1Hash, $"the Quick world's hash is now {hash}");
    }

    [Fact]
    public void A_different_seed_gives_a_different_world()
    {
        var other = SyntheticWorld.Generate(WorldOptions.Quick with { Seed = 2 }, world.NewDirectory());
        foreach (var file in new[] { "lexicon.json", "tokenizer/tokenizer.json", SyntheticWorld.CorpusFile,
                     world.Files.Sentiment.TestFile, world.Files.Arithmetic.TestFile, world.Files.Dialogue.TestFile })
            Assert.NotEqual(File.ReadAllBytes(world.PathOf(file)), File.ReadAllBytes(Path.Combine(other.Directory, file)));
    }

    [Fact]
    public void Test_sets_do_not_depend_on_train_or_corpus_sizes()
    {
        var other = SyntheticWorld.Generate(WorldOptions.Quick with { SentimentTrain = 100, ArithmeticTrain = 50, CorpusTokens = 20_000 },
            world.NewDirectory());
        foreach (var t in world.Files.Tasks)
            Assert.Equal(File.ReadAllBytes(world.PathOf(t.TestFile)), File.ReadAllBytes(Path.Combine(other.Directory, t.TestFile)));
        Assert.Equal(world.Read("tokenizer/tokenizer.json"), File.ReadAllText(Path.Combine(other.TokenizerDirectory, "tokenizer.json")));
    }

    [Fact]
    public void Quick_preset_generates_in_under_two_seconds()
    {
        var sw = Stopwatch.StartNew();
        SyntheticWorld.Generate(WorldOptions.Quick with { Seed = 5 }, world.NewDirectory());
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(2), $"took {sw.Elapsed.TotalSeconds:0.00} s");
    }

    [Fact]
    public void Output_directory_is_replaced_as_a_whole()
    {
        var dir = world.NewDirectory();
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "stale.txt"), "x");
        SyntheticWorld.Generate(WorldOptions.Quick with { CorpusTokens = 5_000 }, dir);
        Assert.False(File.Exists(Path.Combine(dir, "stale.txt")));
        Assert.True(File.Exists(Path.Combine(dir, SyntheticWorld.ManifestFile)));
        Assert.Empty(Directory.GetFileSystemEntries(Path.GetDirectoryName(dir)!, ".*"));
    }

    [Fact]
    public void Invalid_options_are_refused_with_the_bad_value_named()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() =>
            SyntheticWorld.Generate(WorldOptions.Quick with { SentimentLabelNoise = 0.7 }, world.NewDirectory()));
        Assert.Contains("SentimentLabelNoise", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() =>
            SyntheticWorld.Generate(WorldOptions.Quick with { DialogueTest = 0 }, world.NewDirectory()));
    }
}
