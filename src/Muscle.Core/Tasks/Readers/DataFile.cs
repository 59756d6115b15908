using System.Text;
using Muscle.Infrastructure;

namespace Muscle.Tasks.Readers;

/// <summary>
/// Opens data files as strict UTF-8 (a BOM is skipped; invalid bytes are an error at their line and byte, see
/// <see cref="StrictUtf8"/>), turning a missing file into a user-facing error.
/// </summary>
public static class DataFile
{
    public static TextReader OpenText(string path)
    {
        CheckExists(path);
        return new StringReader(StrictUtf8.ReadAllText(path));
    }

    public static void CheckExists(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (Directory.Exists(path)) throw new MuscleInputException("expected a data file, got a directory", path);
        if (!File.Exists(path)) throw new MuscleInputException("data file not found", path);
    }
}
