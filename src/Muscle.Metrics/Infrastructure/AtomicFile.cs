using System.Text;

namespace Muscle.Infrastructure;

/// <summary>
/// Writes files and directories so that a crash never leaves something that looks valid but is not:
/// content goes to a temporary sibling first, is flushed to disk, then renamed over the target.
/// I/O failures (no space, not writable) become <see cref="MuscleInputException"/> naming the path.
/// </summary>
public static class AtomicFile
{
    public static void WriteAllText(string path, string text) =>
        Write(path, s => { var b = new UTF8Encoding(false).GetBytes(text); s.Write(b, 0, b.Length); });

    public static void WriteAllBytes(string path, byte[] bytes) => Write(path, s => s.Write(bytes, 0, bytes.Length));

    /// <summary>Streams content into <paramref name="path"/> atomically.</summary>
    public static void Write(string path, Action<Stream> writeContent)
    {
        var full = Path.GetFullPath(path);
        var dir = Path.GetDirectoryName(full)!;
        EnsureDirectory(dir);
        var tmp = Path.Combine(dir, $".{Path.GetFileName(full)}.tmp-{Guid.NewGuid():N}");
        try
        {
            using (var fs = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                writeContent(fs);
                fs.Flush(flushToDisk: true);
            }
            File.Move(tmp, full, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            TryDelete(tmp);
            throw Translate(e, full);
        }
        catch
        {
            TryDelete(tmp);
            throw;
        }
    }

    /// <summary>
    /// Builds a whole directory (an adapter, a checkpoint) in a temporary sibling and swaps it in at the end.
    /// An existing directory at <paramref name="path"/> is replaced only once the new one is complete.
    /// </summary>
    public static void WriteDirectory(string path, Action<string> fill)
    {
        var full = Path.GetFullPath(path).TrimEnd(Path.DirectorySeparatorChar);
        var parent = Path.GetDirectoryName(full)!;
        EnsureDirectory(parent);
        var tmp = Path.Combine(parent, $".{Path.GetFileName(full)}.tmp-{Guid.NewGuid():N}");
        var old = Path.Combine(parent, $".{Path.GetFileName(full)}.old-{Guid.NewGuid():N}");
        try
        {
            Directory.CreateDirectory(tmp);
            fill(tmp);
            if (Directory.Exists(full)) Directory.Move(full, old);
            Directory.Move(tmp, full);
            if (Directory.Exists(old)) Directory.Delete(old, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            TryDeleteDirectory(tmp);
            if (!Directory.Exists(full) && Directory.Exists(old)) Directory.Move(old, full);
            throw Translate(e, full);
        }
        catch
        {
            TryDeleteDirectory(tmp);
            if (!Directory.Exists(full) && Directory.Exists(old)) Directory.Move(old, full);
            throw;
        }
    }

    /// <summary>Creates a directory, turning permission and disk errors into one clear input error.</summary>
    public static void EnsureDirectory(string dir)
    {
        try
        {
            Directory.CreateDirectory(dir);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Translate(e, dir);
        }
    }

    private const int ENOSPC = 28;

    private static Exception Translate(Exception e, string path)
    {
        if (e is MuscleInputException) return e;
        if (e is UnauthorizedAccessException)
            return new MuscleInputException("output location is not writable", path, inner: e);
        if ((e.HResult & 0xFFFF) == ENOSPC || e.Message.Contains("No space left", StringComparison.OrdinalIgnoreCase))
            return new MuscleInputException("no space left on device while writing", path, inner: e);
        return new MuscleInputException($"cannot write: {e.Message}", path, inner: e);
    }

    private static void TryDelete(string p)
    {
        try { if (File.Exists(p)) File.Delete(p); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    private static void TryDeleteDirectory(string p)
    {
        try { if (Directory.Exists(p)) Directory.Delete(p, recursive: true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
