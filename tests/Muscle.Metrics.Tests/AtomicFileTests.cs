using Muscle.Infrastructure;

namespace Muscle.Metrics.Tests;

public class AtomicFileTests
{
    [Fact]
    public void FailedWriteLeavesOldContentAndNoTemporaryFile()
    {
        var dir = Directory.CreateTempSubdirectory("muscle-atomic-").FullName;
        try
        {
            var path = Path.Combine(dir, "out.json");
            AtomicFile.WriteAllText(path, "old");
            Assert.Throws<InvalidOperationException>(() => AtomicFile.Write(path, s =>
            {
                s.WriteByte((byte)'x');
                throw new InvalidOperationException("crash mid-write");
            }));
            Assert.Equal("old", File.ReadAllText(path));
            Assert.Single(Directory.GetFileSystemEntries(dir));
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void FailedDirectoryWriteKeepsThePreviousDirectory()
    {
        var dir = Directory.CreateTempSubdirectory("muscle-atomic-").FullName;
        try
        {
            var target = Path.Combine(dir, "adapter");
            AtomicFile.WriteDirectory(target, d => File.WriteAllText(Path.Combine(d, "a.txt"), "v1"));
            Assert.Throws<InvalidOperationException>(() => AtomicFile.WriteDirectory(target, d =>
            {
                File.WriteAllText(Path.Combine(d, "a.txt"), "v2-partial");
                throw new InvalidOperationException("crash");
            }));
            Assert.Equal("v1", File.ReadAllText(Path.Combine(target, "a.txt")));
            Assert.Single(Directory.GetFileSystemEntries(dir));
        }
        finally { Directory.Delete(dir, true); }
    }
}
