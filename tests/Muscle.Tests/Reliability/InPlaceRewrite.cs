namespace Muscle.Tests.Reliability;

/// <summary>
/// Changes a file the way a careless copy or an in-place re-download does: same inode, same size, and the old mtime
/// set back afterwards — what a fingerprint of path, size, time and the first MB cannot see.
/// </summary>
internal static class InPlaceRewrite
{
    /// <summary>Sets the first weight of a safetensors file (the first 4 bytes of its data region) to 0.25f.</summary>
    public static void FirstWeight(string safetensors)
    {
        var bytes = File.ReadAllBytes(safetensors);
        var dataStart = 8 + checked((int)BitConverter.ToUInt64(bytes, 0));
        var patched = (byte[])bytes.Clone();
        BitConverter.GetBytes(0.25f).CopyTo(patched, dataStart);
        Assert.NotEqual(bytes, patched);
        Bytes(safetensors, patched);
    }

    /// <summary>Overwrites <paramref name="path"/> in place with <paramref name="content"/> of the same length, keeping its mtime.</summary>
    public static void Bytes(string path, byte[] content)
    {
        Assert.Equal(new FileInfo(path).Length, content.Length);
        var mtime = File.GetLastWriteTimeUtc(path);
        Thread.Sleep(20); // past the kernel tick that stamps ctime
        using (var s = new FileStream(path, FileMode.Open, FileAccess.Write)) s.Write(content);
        File.SetLastWriteTimeUtc(path, mtime);
    }
}
