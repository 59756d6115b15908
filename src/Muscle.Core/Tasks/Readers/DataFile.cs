using System.Text;
using Muscle.Infrastructure;

namespace Muscle.Tasks.Readers;

/// <summary>Opens data files as UTF-8 (a BOM is skipped), turning a missing file into a user-facing error.</summary>
public static class DataFile
{
    public static StreamReader OpenText(string path)
    {
        CheckExists(path);
        return new StreamReader(path, new UTF8Encoding(false), detectEncodingFromByteOrderMarks: true);
    }

    public static byte[] ReadAllBytes(string path)
    {
        CheckExists(path);
        var bytes = File.ReadAllBytes(path);
        var bom = Encoding.UTF8.Preamble;
        return bytes.AsSpan().StartsWith(bom) ? bytes[bom.Length..] : bytes;
    }

    public static void CheckExists(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (Directory.Exists(path)) throw new MuscleInputException("expected a data file, got a directory", path);
        if (!File.Exists(path)) throw new MuscleInputException("data file not found", path);
    }
}
