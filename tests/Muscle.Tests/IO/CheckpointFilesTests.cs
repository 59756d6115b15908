using System.Text.Json;
using Muscle.IO;
using Muscle.Infrastructure;
using static TorchSharp.torch;

namespace Muscle.Tests.IO;

public class CheckpointFilesTests
{
    /// <summary>F32 tensors of 200, 400, 400 and 400 bytes; a 600-byte limit packs them into shards of 2, 1 and 1 (ordinal key order).</summary>
    private static Dictionary<string, Tensor> FourTensors() => new()
    {
        ["model.layers.0.w"] = arange(100, dtype: ScalarType.Float32),
        ["model.layers.1.w"] = arange(100, dtype: ScalarType.Float32) * 2,
        ["model.norm.weight"] = ones(100),
        ["lm_head.weight"] = full(5, 10, 0.5f),
    };

    [Fact]
    public void ShardedRoundTripWritesHfLayoutAndIndex()
    {
        using var scope = NewDisposeScope();
        using var dir = new TempDir();
        File.WriteAllText(dir.File("config.json"), "{\"keep\": true}");
        var tensors = FourTensors();

        var written = CheckpointFiles.SaveDirectory(dir.Path, tensors, maxShardBytes: 600);

        Assert.Equal(["model-00001-of-00003.safetensors", "model-00002-of-00003.safetensors", "model-00003-of-00003.safetensors",
            "model.safetensors.index.json"], written);
        Assert.Equal(["config.json", .. written], Directory.GetFiles(dir.Path).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Equal("{\"keep\": true}", File.ReadAllText(dir.File("config.json")));

        using var index = JsonDocument.Parse(File.ReadAllText(dir.File("model.safetensors.index.json")));
        Assert.Equal(1400, index.RootElement.GetProperty("metadata").GetProperty("total_size").GetInt64());
        var map = index.RootElement.GetProperty("weight_map").EnumerateObject().Select(p => (p.Name, p.Value.GetString())).ToList();
        Assert.Equal([
            ("lm_head.weight", "model-00001-of-00003.safetensors"),
            ("model.layers.0.w", "model-00001-of-00003.safetensors"),
            ("model.layers.1.w", "model-00002-of-00003.safetensors"),
            ("model.norm.weight", "model-00003-of-00003.safetensors")], map);
        Assert.Equal("pt", Safetensors.ReadHeader(dir.File("model-00002-of-00003.safetensors")).Metadata["format"]);

        SafetensorsRoundTripTests.AssertBitExact(tensors, CheckpointFiles.LoadDirectory(dir.Path));
        var headers = CheckpointFiles.ReadDirectoryHeaders(dir.Path);
        Assert.Equal([5L, 10L], headers["lm_head.weight"].Shape);
        Assert.Equal(4, headers.Count);
    }

    [Fact]
    public void SingleFileWhenEverythingFitsAndStaleShardsAreRemoved()
    {
        using var scope = NewDisposeScope();
        using var dir = new TempDir();
        File.WriteAllText(dir.File("config.json"), "{}");
        File.WriteAllText(dir.File("tokenizer.json"), "{}");
        CheckpointFiles.SaveDirectory(dir.Path, FourTensors(), maxShardBytes: 600);

        var tensors = FourTensors();
        tensors["extra"] = zeros(2);
        Assert.Equal(["model.safetensors"], CheckpointFiles.SaveDirectory(dir.Path, tensors));

        Assert.Equal(["config.json", "model.safetensors", "tokenizer.json"],
            Directory.GetFiles(dir.Path).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        SafetensorsRoundTripTests.AssertBitExact(tensors, CheckpointFiles.LoadDirectory(dir.Path));

        // And back to shards: the single file must go, or it would shadow the new index.
        CheckpointFiles.SaveDirectory(dir.Path, FourTensors(), maxShardBytes: 600);
        Assert.False(File.Exists(dir.File("model.safetensors")));
        SafetensorsRoundTripTests.AssertBitExact(FourTensors(), CheckpointFiles.LoadDirectory(dir.Path));
    }

    [Fact]
    public void TensorLargerThanTheLimitGetsItsOwnShard()
    {
        using var scope = NewDisposeScope();
        using var dir = new TempDir();
        var tensors = new Dictionary<string, Tensor> { ["a"] = ones(10), ["b"] = ones(1000), ["c"] = ones(10) };
        CheckpointFiles.SaveDirectory(dir.Path, tensors, maxShardBytes: 100);
        var headers = Enumerable.Range(1, 3).Select(i => Safetensors.ReadHeader(dir.File(CheckpointFiles.ShardFileName(i, 3)))).ToList();
        Assert.Equal(["a", "b", "c"], headers.Select(h => Assert.Single(h.Names)));
    }

    private static TempDir ShardedDir()
    {
        var dir = new TempDir();
        using var scope = NewDisposeScope();
        CheckpointFiles.SaveDirectory(dir.Path, FourTensors(), maxShardBytes: 600);
        return dir;
    }

    private static MuscleInputException LoadFails(string dir) =>
        Assert.Throws<MuscleInputException>(() => CheckpointFiles.LoadDirectory(dir));

    [Fact]
    public void MissingShardIsNamed()
    {
        using var dir = ShardedDir();
        File.Delete(dir.File("model-00002-of-00003.safetensors"));
        var e = LoadFails(dir.Path);
        Assert.Equal("shard 'model-00002-of-00003.safetensors' listed in model.safetensors.index.json is missing", e.Message);
        Assert.Equal(dir.File("model-00002-of-00003.safetensors"), e.File);
    }

    [Fact]
    public void IndexedKeyAbsentFromItsShardIsNamed()
    {
        using var dir = ShardedDir();
        RewriteIndex(dir, map => map["model.norm.weight"] = "model-00001-of-00003.safetensors");
        var e = LoadFails(dir.Path);
        Assert.Contains("weight 'model.norm.weight' is mapped to shard 'model-00001-of-00003.safetensors'", e.Message);
        Assert.Contains("does not contain it", e.Message);
    }

    [Fact]
    public void ShardHoldingAnUnlistedKeyIsRefused()
    {
        using var dir = ShardedDir();
        RewriteIndex(dir, map => map.Remove("model.layers.0.w"));
        var e = LoadFails(dir.Path);
        Assert.Equal("shard 'model-00001-of-00003.safetensors' holds weight 'model.layers.0.w' but the index does not list it", e.Message);
    }

    [Theory]
    [InlineData("{\"weight_map\": {\"a\": \"../x.safetensors\"}}", "is not a shard file name")]
    [InlineData("{\"weight_map\": {\"a\": 3}}", "is not a shard file name")]
    [InlineData("{\"metadata\": {}}", "index has no \"weight_map\" object")]
    [InlineData("{\"weight_map\": {}}", "index \"weight_map\" is empty")]
    [InlineData("{\"weight_map\": {\"a\": \"s.safetensors\", \"a\": \"s.safetensors\"}}", "weight 'a' is listed twice")]
    [InlineData("{\"weight_map\": {\n\"a\": }", "invalid JSON")]
    [InlineData("{\"weight_map\": {\"a\\ud800\": \"s.safetensors\"}}", "index holds a string that is not valid Unicode")]
    public void MalformedIndexIsRefused(string json, string expected)
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File(CheckpointFiles.IndexFileName), json);
        var e = LoadFails(dir.Path);
        Assert.Contains(expected, e.Message);
        Assert.Equal(dir.File(CheckpointFiles.IndexFileName), e.File);
    }

    [Fact]
    public void DirectoryWithoutWeightsSaysSo()
    {
        using var dir = new TempDir();
        Assert.Contains("no model.safetensors or model.safetensors.index.json", LoadFails(dir.Path).Message);
        Assert.Equal("model directory not found", LoadFails(dir.File("nope")).Message);
        Assert.False(CheckpointFiles.HasWeights(dir.Path));
    }

    private static void RewriteIndex(TempDir dir, Action<Dictionary<string, string>> change)
    {
        var path = dir.File(CheckpointFiles.IndexFileName);
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        var map = doc.RootElement.GetProperty("weight_map").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!);
        change(map);
        File.WriteAllText(path, JsonSerializer.Serialize(new { metadata = new { total_size = 1400 }, weight_map = map }));
    }
}
