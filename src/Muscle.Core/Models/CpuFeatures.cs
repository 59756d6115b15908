namespace Muscle.Models;

/// <summary>
/// What the CPU says about itself in <c>/proc/cpuinfo</c> (Linux): its model name and its flags. Only the flags that
/// decide whether bf16 is computed natively are interpreted (<see cref="HasNativeBf16"/>). Elsewhere (no
/// <c>/proc/cpuinfo</c>) the flag set is empty, so bf16 counts as emulated: the safe side, fp32.
/// </summary>
public sealed record CpuFeatures(string ModelName, IReadOnlySet<string> Flags)
{
    /// <summary>Where Linux lists the CPU's flags.</summary>
    public const string ProcCpuInfo = "/proc/cpuinfo";

    /// <summary>
    /// The flags that mean LibTorch's oneDNN computes bf16 matmuls in hardware: AVX512-BF16 (Cooper Lake, Zen 4 and
    /// later) or AMX-BF16 (Sapphire Rapids and later). Without them bf16 is converted to fp32 around every op.
    /// </summary>
    public static readonly IReadOnlyList<string> NativeBf16Flags = ["avx512_bf16", "amx_bf16"];

    public bool HasNativeBf16 => NativeBf16Flags.Any(Flags.Contains);

    private static CpuFeatures? _thisMachine;

    /// <summary>This machine's features, read once from <see cref="ProcCpuInfo"/>.</summary>
    public static CpuFeatures ThisMachine => _thisMachine ??= Read(ProcCpuInfo);

    /// <summary>The features in a cpuinfo file; an absent or unreadable file gives no flags.</summary>
    public static CpuFeatures Read(string path)
    {
        try
        {
            return File.Exists(path) ? Parse(File.ReadAllText(path)) : new CpuFeatures("unknown", new HashSet<string>());
        }
        catch (IOException)
        {
            return new CpuFeatures("unknown", new HashSet<string>());
        }
        catch (UnauthorizedAccessException)
        {
            return new CpuFeatures("unknown", new HashSet<string>());
        }
    }

    /// <summary>
    /// Parses cpuinfo text: the first processor's <c>model name</c> and <c>flags</c> (x86) or <c>Features</c> (arm64)
    /// line. A test passes a made-up text to fake a CPU.
    /// </summary>
    public static CpuFeatures Parse(string cpuinfo)
    {
        string? model = null, flags = null;
        foreach (var line in cpuinfo.Split('\n'))
        {
            var colon = line.IndexOf(':');
            if (colon < 0) continue;
            var key = line[..colon].Trim();
            var value = line[(colon + 1)..].Trim();
            if (model is null && key == "model name") model = value;
            if (flags is null && (key == "flags" || key == "Features")) flags = value;
            if (model is not null && flags is not null) break;
        }
        return new CpuFeatures(model ?? "unknown",
            new HashSet<string>((flags ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries), StringComparer.Ordinal));
    }

    /// <summary>A CPU with exactly these flags (tests).</summary>
    public static CpuFeatures WithFlags(params string[] flags) => new("test CPU", new HashSet<string>(flags, StringComparer.Ordinal));
}
