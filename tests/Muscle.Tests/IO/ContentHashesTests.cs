using System.IO.Hashing;
using System.Text.Json.Nodes;
using Muscle.Infrastructure;
using Muscle.IO;

namespace Muscle.Tests.IO;

/// <summary>
/// Content keys (<see cref="ContentHashes"/>): the XXH128 of a whole file, cached under the file's identity (path, size,
/// mtime, ctime, inode). A rewrite in place that keeps the size and restores the mtime is still a new content; a cached
/// key is used without reading the file; a directory's key covers the files a load reads.
/// </summary>
public sealed class ContentHashesTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("muscle-keys-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string Xxh128(byte[] bytes) => Convert.ToHexStringLower(XxHash128.Hash(bytes));

    /// <summary>Rewrites <paramref name="path"/> in place (same inode, same size) and sets its mtime back.</summary>
    private static void RewriteInPlaceKeepingSizeAndMtime(string path, byte[] content)
    {
        var mtime = File.GetLastWriteTimeUtc(path);
        Thread.Sleep(20); // let the clock move past the first write's ctime (its resolution is the kernel tick)
        using (var s = new FileStream(path, FileMode.Open, FileAccess.Write)) s.Write(content);
        File.SetLastWriteTimeUtc(path, mtime);
    }

    [Fact]
    public void AFileRewrittenInPlaceWithItsSizeAndMtimeRestoredGetsANewKey()
    {
        var file = Path.Combine(_dir, "model.safetensors");
        var first = new byte[3 << 20];
        Random.Shared.NextBytes(first);
        File.WriteAllBytes(file, first);
        var keys = new ContentHashes(Path.Combine(_dir, "keys.json"));
        Assert.Equal(Xxh128(first), keys.OfFile(file));

        // Changed past the first MB, where the old fingerprint (size + hash of the first MB) looked.
        var second = (byte[])first.Clone();
        second[^1] ^= 0xFF;
        RewriteInPlaceKeepingSizeAndMtime(file, second);
        Assert.Equal(first.Length, new FileInfo(file).Length);
        Assert.Equal(Xxh128(second), keys.OfFile(file));
        Assert.Equal(Xxh128(second), new ContentHashes(Path.Combine(_dir, "keys.json")).OfFile(file));
    }

    [Fact]
    public void ACachedKeyIsUsedWithoutReadingTheFileAgain()
    {
        var file = Path.Combine(_dir, "big.bin.safetensors");
        File.WriteAllBytes(file, new byte[1 << 20]);
        var cache = Path.Combine(_dir, OutputGuard.ContentKeysFileName);
        var key = new ContentHashes(cache).OfFile(file);

        // Whatever the cache says for this identity is what the next run uses: it did not read the file.
        var json = JsonNode.Parse(File.ReadAllText(cache))!.AsObject();
        var identity = Assert.Single(json["files"]!.AsObject()).Key;
        json["files"]![identity] = new string('a', 32);
        File.WriteAllText(cache, json.ToJsonString());
        var next = new ContentHashes(cache);
        Assert.Equal(new string('a', 32), next.OfFile(file));
        Assert.Equal(0, next.FilesRead);
        Assert.NotEqual(key, next.OfFile(file));
    }

    [Fact]
    public void ADirectoryKeyCoversItsTopLevelFilesButNotHiddenOnesSubdirectoriesOrUnreadFormats()
    {
        var model = Directory.CreateDirectory(Path.Combine(_dir, "model")).FullName;
        File.WriteAllText(Path.Combine(model, "config.json"), "{}");
        File.WriteAllText(Path.Combine(model, "model.safetensors"), "weights");
        var keys = new ContentHashes(null);
        var before = keys.Key(model);
        Assert.Equal(["config.json", "model.safetensors"], keys.OfInput(model).Keys);

        File.WriteAllText(Path.Combine(model, OutputGuard.MarkerFileName), "x");
        Directory.CreateDirectory(Path.Combine(model, "checkpoints"));
        File.WriteAllText(Path.Combine(model, "checkpoints", "state.json"), "x");
        File.WriteAllText(Path.Combine(model, "pytorch_model.bin"), "unread");
        Assert.Equal(before, keys.Key(model));

        File.WriteAllText(Path.Combine(model, "tokenizer.json"), "{}");
        Assert.NotEqual(before, keys.Key(model));
        Assert.Equal("-", keys.Key(Path.Combine(_dir, "missing")));
        Assert.Equal("-", keys.Key(null));
    }

    [Fact]
    public void AnUnreadableCacheFileIsIgnored()
    {
        var file = Path.Combine(_dir, "a.txt");
        File.WriteAllText(file, "abc");
        var cache = Path.Combine(_dir, "keys.json");
        File.WriteAllText(cache, "{ not json");
        Assert.Equal(Xxh128("abc"u8.ToArray()), new ContentHashes(cache).OfFile(file));
    }
}
