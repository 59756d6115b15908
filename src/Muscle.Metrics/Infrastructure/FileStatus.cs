using System.Runtime.InteropServices;

namespace Muscle.Infrastructure;

/// <summary>
/// What stat(2) says about a file (symbolic links followed): its type bits, device and inode, size, and modification
/// and change times in nanoseconds. .NET's file APIs give neither the inode nor the change time (ctime), which the
/// kernel sets on every write and every metadata change and which no user call can set back — so a file rewritten in
/// place with its mtime restored (<c>touch -d</c>) still shows a new ctime. Off Linux, <see cref="Get"/> gives the size
/// and the last write time only (device, inode and ctime 0).
/// </summary>
public readonly record struct FileStatus(uint Mode, ulong Device, ulong Inode, long Size, long MtimeNs, long CtimeNs)
{
    /// <summary>The file type bits (S_IFMT of st_mode).</summary>
    public uint Type => Mode & 0xF000;

    /// <summary>stat(2) of <paramref name="path"/>; null when it does not exist or cannot be read.</summary>
    public static FileStatus? Get(string path)
    {
        if (!OperatingSystem.IsLinux())
        {
            var info = new FileInfo(path);
            if (!info.Exists) return null;
            return new FileStatus(0x8000, 0, 0, info.Length, info.LastWriteTimeUtc.Ticks * 100, 0);
        }
        var buffer = new byte[256];
        if (Stat(path, buffer) != 0) return null;
        // struct stat (glibc): x86-64 has st_dev, st_ino, st_nlink (8 bytes each) then st_mode; the generic layout
        // (aarch64 and others) puts st_mode (4 bytes) right after st_ino. Both put st_size at 48 and st_atim, st_mtim,
        // st_ctim (struct timespec: seconds, nanoseconds) at 72, 88 and 104.
        var modeOffset = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 24 : 16;
        return new FileStatus(
            BitConverter.ToUInt32(buffer, modeOffset),
            BitConverter.ToUInt64(buffer, 0),
            BitConverter.ToUInt64(buffer, 8),
            BitConverter.ToInt64(buffer, 48),
            Nanoseconds(buffer, 88),
            Nanoseconds(buffer, 104));
    }

    private static long Nanoseconds(byte[] buffer, int offset) =>
        BitConverter.ToInt64(buffer, offset) * 1_000_000_000 + BitConverter.ToInt64(buffer, offset + 8);

    [DllImport("libc", EntryPoint = "stat", SetLastError = true)]
    private static extern int Stat(string path, byte[] buffer);
}
