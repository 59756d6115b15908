namespace Muscle.Bench;

/// <summary>
/// Resident-set high-water mark of this process (VmHWM). <see cref="Reset"/> writes 5 to /proc/self/clear_refs,
/// which restarts the high-water mark at the current RSS, so each case in one process gets its own peak.
/// </summary>
public static class PeakMemory
{
    public static void Reset()
    {
        try { File.WriteAllText("/proc/self/clear_refs", "5"); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }

    public static double PeakMiB() => ReadKb("VmHWM:") / 1024.0;

    private static long ReadKb(string field)
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
            if (line.StartsWith(field, StringComparison.Ordinal))
                return long.Parse(line[field.Length..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
        return 0;
    }
}
