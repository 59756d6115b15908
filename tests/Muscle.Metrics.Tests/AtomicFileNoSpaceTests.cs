using Muscle.Infrastructure;

namespace Muscle.Metrics.Tests;

/// <summary>
/// A full disk mid-write is one clear input error naming the target, and leaves the previous file intact
/// with no temporary sibling behind.
/// </summary>
public sealed class AtomicFileNoSpaceTests : IDisposable
{
    private const int ENOSPC = 28;

    private readonly string _dir = Directory.CreateTempSubdirectory("muscle-atomic-enospc-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void An_IOException_carrying_ENOSPC_becomes_the_no_space_error()
    {
        // HResult's low 16 bits are the errno on Unix: what .NET throws for a real ENOSPC (see the /dev/full test).
        AssertNoSpace(s =>
        {
            s.Write(new byte[1000]);
            throw new IOException("disk quota exceeded somewhere below", ENOSPC);
        });
    }

    [Fact]
    public void A_real_ENOSPC_from_dev_full_becomes_the_no_space_error()
    {
        // /dev/full answers every write with ENOSPC; Linux (and this CI image) always has it.
        Assert.True(File.Exists("/dev/full"), "/dev/full is missing on this machine");
        AssertNoSpace(s =>
        {
            s.Write(new byte[1000]);
            using var full = new FileStream("/dev/full", FileMode.Open, FileAccess.Write, FileShare.ReadWrite, bufferSize: 1);
            full.Write(new byte[64]);
            full.Flush(flushToDisk: true);
        });
    }

    [Fact]
    public void Other_IO_errors_keep_their_own_message()
    {
        var path = Path.Combine(_dir, "out.json");
        var e = Assert.Throws<MuscleInputException>(() => AtomicFile.Write(path, _ => throw new IOException("device went away", 5)));
        Assert.Equal("cannot write: device went away", e.Message);
        Assert.Empty(Directory.GetFileSystemEntries(_dir));
    }

    private void AssertNoSpace(Action<Stream> write)
    {
        var path = Path.Combine(_dir, "report.json");
        AtomicFile.WriteAllText(path, "previous");
        var e = Assert.Throws<MuscleInputException>(() => AtomicFile.Write(path, write));
        Assert.Equal("no space left on device while writing", e.Message);
        Assert.Equal(path, e.File);
        Assert.Equal($"no space left on device while writing ({path})", e.OneLine());
        var io = Assert.IsType<IOException>(e.InnerException);
        Assert.Equal(ENOSPC, io.HResult & 0xFFFF);
        Assert.Equal("previous", File.ReadAllText(path));
        Assert.Equal([path], Directory.GetFileSystemEntries(_dir)); // no ".report.json.tmp-…" left
    }
}
