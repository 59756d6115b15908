using System.Buffers.Binary;
using System.Text;

namespace Muscle.Tests.IO;

/// <summary>A fresh directory under the system temp folder, removed on dispose.</summary>
public sealed class TempDir : IDisposable
{
    public TempDir()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "muscle-io-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { }
    }
}

public static class IoTestFiles
{
    public static string Fixture(string name) =>
        System.IO.Path.Combine(SharedData.RepoRoot, "tests", "Muscle.Tests", "IO", "Fixtures", name);

    /// <summary>A safetensors image: length prefix (UTF-8 byte count), <paramref name="json"/>, then zeroed data.</summary>
    public static byte[] Image(string json, int dataBytes, long? headerLengthOverride = null)
    {
        var header = Encoding.UTF8.GetBytes(json);
        var bytes = new byte[8 + header.Length + dataBytes];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)(headerLengthOverride ?? header.Length));
        header.CopyTo(bytes, 8);
        return bytes;
    }
}
