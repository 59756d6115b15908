namespace Muscle.Infrastructure;

/// <summary>
/// The one policy for every path muscle writes to: an output never destroys an input, never replaces a directory
/// muscle did not write, and never turns a device or FIFO into a regular file. Paths are compared fully resolved
/// (absolute, every symbolic link followed), and an output is then written through its links, not over them.
/// <list type="bullet">
/// <item>An output that is, contains or lies inside an input (file or directory) is refused, naming both.</item>
/// <item>An existing output directory may be replaced or written into only if it is empty or carries
/// <see cref="MarkerFileName"/>, which muscle puts into every output directory it creates.</item>
/// <item>Anything that is neither a regular file nor a directory (a character or block device, a FIFO, a socket) is
/// refused as an output: replacing <c>/dev/null</c> with a file, or writing into <c>/dev/full</c>, is never what was
/// meant.</item>
/// <item>A run directory (training, update, demo) is locked for the run's duration (<see cref="RunDirectoryLock"/>).</item>
/// </list>
/// </summary>
public static class OutputGuard
{
    /// <summary>Marks a directory as muscle's own: only such a directory (or an empty one) is replaced or reused.</summary>
    public const string MarkerFileName = ".muscle-output";

    /// <summary>Held with an exclusive lock (flock, via <see cref="FileShare.None"/>) while a run uses the directory.</summary>
    public const string LockFileName = ".muscle.lock";

    /// <summary>
    /// The run directory's cache of its inputs' content keys (Muscle.IO.ContentHashes): bookkeeping like the marker and
    /// the lock, so a run refused after hashing still leaves no trace.
    /// </summary>
    public const string ContentKeysFileName = ".muscle-content-keys.json";

    internal const string MarkerText =
        "This directory was written by muscle (Muscle.NET). muscle replaces or reuses an existing output directory only if it holds this file.\n";

    /// <summary>
    /// Checks a file output (e.g. <c>eval --out</c>) against the inputs and returns the resolved path to write.
    /// An existing regular file there is replaced (atomically); a directory or special file is refused.
    /// </summary>
    public static string CheckFile(string output, string option, params (string Option, string? Path)[] inputs)
    {
        // "new/" names a directory: refuse it before any work instead of failing at the write, after all of it.
        if (output.EndsWith(Path.DirectorySeparatorChar) || output.EndsWith(Path.AltDirectorySeparatorChar))
            throw new MuscleInputException($"{option} ends with '/', so it names a directory, but this output is one file; name the file", output);
        var resolved = CheckPath(output, option, inputs);
        if (KindOf(resolved) == PathKind.Directory)
            throw new MuscleInputException($"{option} must be a file, but a directory is there", resolved);
        return resolved;
    }

    /// <summary>
    /// The checks every output gets, whatever it is (used alone where the writer has its own rule for what may be
    /// replaced, as the teacher cache does): not an input, not inside one, not holding one, not a special file.
    /// Returns the resolved path.
    /// </summary>
    public static string CheckPath(string output, string option, params (string Option, string? Path)[] inputs)
    {
        var resolved = Resolve(output, option);
        CheckAgainstInputs(resolved, option, inputs);
        RefuseSpecial(KindOf(resolved), resolved, option);
        return resolved;
    }

    /// <summary>
    /// Checks a directory that is written as a whole and swapped in (convert, compare --report, data world) and returns
    /// the resolved path. Call <see cref="Mark"/> on it once written.
    /// </summary>
    public static string CheckDirectory(string output, string option, params (string Option, string? Path)[] inputs)
    {
        var resolved = CheckPath(output, option, inputs);
        var cwd = Resolve(Environment.CurrentDirectory, option);
        if (Relate(resolved, cwd) is Relation.Same or Relation.Contains)
            throw new MuscleInputException(
                $"{option} would replace the current directory {cwd} (the output directory is replaced as a whole); name a new directory", resolved);
        CheckExistingDirectory(resolved, option);
        return resolved;
    }

    /// <summary>
    /// Checks, creates and locks a run directory (train-adapter, train-compat, update, ablate, pretrain, demo) for as long
    /// as the returned lock lives. A second run on it fails with "in use by process N".
    /// </summary>
    public static RunDirectoryLock ClaimRunDirectory(string output, string option, params (string Option, string? Path)[] inputs)
    {
        var resolved = CheckPath(output, option, inputs);
        var existed = CheckExistingDirectory(resolved, option);
        return RunDirectoryLock.Acquire(resolved, option, existed);
    }

    /// <summary>
    /// Refuses when <paramref name="other"/> (another output) is <paramref name="replaced"/> or lies inside it, since
    /// <paramref name="replaced"/> is swapped in as a whole; the other way round (a cache inside a run directory) is fine.
    /// </summary>
    public static void RefuseReplacing(string replaced, string replacedOption, string other, string otherOption)
    {
        var a = Resolve(replaced, replacedOption);
        var b = Resolve(other, otherOption);
        if (Relate(a, b) is Relation.Same or Relation.Contains)
            throw new MuscleInputException(
                $"{replacedOption} {a} {(a == b ? "is" : "contains")} the {otherOption} directory {b}; it is replaced as a whole, so choose another {replacedOption}");
    }

    /// <summary>
    /// Refuses an output whose nearest existing ancestor is a file (<c>--out blocker/x</c> where <c>blocker</c> is a file),
    /// before any work. A command with two outputs (<c>eval --out --log-samples</c>, <c>compare --report
    /// --write-accepted-flips</c>) calls it for each, so the first is not left written when the second cannot be.
    /// </summary>
    public static void RefuseFileAncestor(string output, string option)
    {
        ArgumentNullException.ThrowIfNull(output);
        for (var dir = Path.GetDirectoryName(Path.GetFullPath(output)); dir is not null; dir = Path.GetDirectoryName(dir))
        {
            if (Directory.Exists(dir)) return;
            if (File.Exists(dir)) throw new MuscleInputException($"cannot write {option}: {dir} is a file, not a directory", dir);
        }
    }

    /// <summary>Writes the marker into an output directory muscle has just written.</summary>
    public static void Mark(string directory) => AtomicFile.WriteAllText(Path.Combine(directory, MarkerFileName), MarkerText);

    /// <summary>
    /// The absolute path with every symbolic link followed (as realpath(3), but the path need not exist: the part that
    /// does not exist yet is kept as written).
    /// </summary>
    public static string Resolve(string path, string option = "path") => Resolve(path, option, depth: 0);

    private static string Resolve(string path, string option, int depth)
    {
        // 40 links, as Linux's MAXSYMLINKS (path_resolution(7)).
        if (depth > 40) throw new MuscleInputException($"{option}: too many levels of symbolic links", path);
        var full = Path.GetFullPath(path);
        var root = Path.GetPathRoot(full)!;
        var current = root;
        foreach (var part in full[root.Length..].Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries))
        {
            var next = Path.Combine(current, part);
            string? target;
            try { target = new FileInfo(next).LinkTarget; }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { target = null; }
            if (target is not null)
                next = Resolve(Path.IsPathRooted(target) ? target : Path.Combine(current, target), option, depth + 1);
            current = next;
        }
        return current.Length > root.Length ? current.TrimEnd(Path.DirectorySeparatorChar) : current;
    }

    private enum Relation { None, Same, Contains, Inside }

    private static Relation Relate(string output, string input)
    {
        if (string.Equals(output, input, StringComparison.Ordinal)) return Relation.Same;
        if (IsUnder(input, output)) return Relation.Contains;
        if (IsUnder(output, input)) return Relation.Inside;
        return Relation.None;
    }

    private static bool IsUnder(string path, string dir) =>
        path.StartsWith(dir.EndsWith(Path.DirectorySeparatorChar) ? dir : dir + Path.DirectorySeparatorChar, StringComparison.Ordinal);

    private static void CheckAgainstInputs(string resolved, string option, (string Option, string? Path)[] inputs)
    {
        foreach (var (inputOption, inputPath) in inputs)
        {
            if (string.IsNullOrEmpty(inputPath)) continue;
            var input = Resolve(inputPath, inputOption);
            var verb = Relate(resolved, input) switch
            {
                Relation.Same => "is",
                Relation.Contains => "contains",
                Relation.Inside => "lies inside",
                _ => null,
            };
            if (verb is not null)
                throw new MuscleInputException(
                    $"{option} {resolved} {verb} the {inputOption} input {input}: an output never overwrites an input; choose another {option}");
        }
    }

    /// <summary>Refuses a directory muscle did not write; returns whether the path existed (as a directory).</summary>
    private static bool CheckExistingDirectory(string resolved, string option)
    {
        var kind = KindOf(resolved);
        if (kind == PathKind.Missing) return false;
        if (kind == PathKind.File)
            throw new MuscleInputException($"{option} must be a directory, but a file is there", resolved);
        RefuseSpecial(kind, resolved, option);
        if (!File.Exists(Path.Combine(resolved, MarkerFileName)) && Directory.EnumerateFileSystemEntries(resolved).Any())
            throw new MuscleInputException(
                $"{option} {resolved} already holds files muscle did not write (no {MarkerFileName} in it), so muscle will not replace or write into it; choose a new or empty directory " +
                $"(a run directory from an earlier muscle version: add an empty {MarkerFileName} file to it)");
        return true;
    }

    private static void RefuseSpecial(PathKind kind, string resolved, string option)
    {
        var what = kind switch
        {
            PathKind.CharDevice => "a character device",
            PathKind.BlockDevice => "a block device",
            PathKind.Fifo => "a FIFO (named pipe)",
            PathKind.Socket => "a socket",
            PathKind.Other => "not a regular file or directory",
            _ => null,
        };
        if (what is not null)
            throw new MuscleInputException($"{option} is {what}; muscle writes regular files and directories only, so it will not replace it", resolved);
    }

    private enum PathKind { Missing, File, Directory, CharDevice, BlockDevice, Fifo, Socket, Other }

    /// <summary>Whether <paramref name="path"/> exists and is neither a regular file nor a directory (a device, FIFO or socket).</summary>
    public static bool IsSpecialFile(string path) => KindOf(path) is not (PathKind.Missing or PathKind.File or PathKind.Directory);

    /// <summary>The file type from stat(2) (S_IFMT of st_mode); .NET's file APIs do not tell devices and FIFOs from files.</summary>
    private static PathKind KindOf(string path)
    {
        if (Directory.Exists(path)) return PathKind.Directory;
        if (!File.Exists(path)) return PathKind.Missing;
        if (!OperatingSystem.IsLinux()) return PathKind.File;
        if (FileStatus.Get(path) is not { } status) return PathKind.File;
        var mode = status.Type;
        return mode switch
        {
            0x8000 => PathKind.File,
            0x4000 => PathKind.Directory,
            0x2000 => PathKind.CharDevice,
            0x6000 => PathKind.BlockDevice,
            0x1000 => PathKind.Fifo,
            0xC000 => PathKind.Socket,
            _ => PathKind.Other,
        };
    }
}
