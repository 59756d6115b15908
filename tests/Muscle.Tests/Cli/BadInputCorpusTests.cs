using System.Security.Cryptography;
using Muscle.Cli.Infrastructure;

namespace Muscle.Tests.Cli;

/// <summary>
/// Runs every case of <c>tests/bad-inputs/</c> (format in its README.md) through the CLI in-process. Each must end
/// with its exit code and exactly one <c>error: </c> line naming the problem, show no stack trace, leave its output
/// directory as it found it (nothing half-written, no temporary files) and not touch its own inputs.
/// </summary>
public sealed class BadInputCorpusTests
{
    private static readonly string Corpus = Path.Combine(SharedData.RepoRoot, "tests", "bad-inputs");

    // Hidden entries included: AtomicFile's leftovers would be ".name.tmp-…".
    private static readonly EnumerationOptions Everything = TestDirectories.Everything;

    public static TheoryData<string> Cases() => CaseNames(needsShared: false);

    public static TheoryData<string> SharedCases() => CaseNames(needsShared: true);

    [Theory]
    [MemberData(nameof(Cases))]
    public void Case_fails_with_one_clear_line(string name) => RunCase(name);

    [SharedDataTheory]
    [MemberData(nameof(SharedCases))]
    public void Shared_data_case_fails_with_one_clear_line(string name) => RunCase(name);

    /// <summary>
    /// The intact twins every binary case is derived from work, so each case fails because of its one mutation
    /// and not because the fixture generator broke something else.
    /// </summary>
    [Fact]
    public void The_valid_twins_of_the_binary_cases_work()
    {
        var valid = Path.Combine(Corpus, "_valid");
        var (exit, stdout, stderr) = Run("generate", "--model", Path.Combine(valid, "tiny-llama"), "--max-new-tokens", "4", "--greedy", "--ids");
        Assert.True(exit == 0, stderr);
        Assert.Equal(4, stdout.Trim().Split(' ').Length);

        var outDir = NewTempDirectory();
        try
        {
            var model = Path.Combine(outDir, "model");
            (exit, _, stderr) = Run("convert", "llama2c", "--checkpoint", Path.Combine(valid, "tiny.bin"),
                "--tokenizer", Path.Combine(valid, "tiny.model"), "--out", model);
            Assert.True(exit == 0, stderr);
            Assert.Equal(["model"], Directory.EnumerateFileSystemEntries(outDir, "*", new EnumerationOptions { AttributesToSkip = 0 })
                .Select(Path.GetFileName));
            (exit, stdout, stderr) = Run("generate", "--model", model, "--max-new-tokens", "3", "--greedy", "--ids");
            Assert.True(exit == 0, stderr);
            Assert.Equal(3, stdout.Trim().Split(' ').Length);
        }
        finally
        {
            Directory.Delete(outDir, recursive: true);
        }
    }

    /// <summary>
    /// An embedding padded past the tokenizer is legal (Phi-2 has 51200 rows for 50295 tokens). Generating such an id
    /// used to crash the decoder; HF's fast tokenizers decode it to nothing, and so must we.
    /// </summary>
    [Fact]
    public void Ids_past_the_tokenizer_in_a_padded_embedding_decode_to_nothing()
    {
        var model = Path.Combine(Corpus, "_valid", "tiny-llama-padded-vocab");
        var (exit, stdout, stderr) = Run("generate", "--model", model, "--max-new-tokens", "8", "--greedy", "--ids");
        Assert.True(exit == 0, stderr);
        var ids = stdout.Trim().Split(' ').Select(int.Parse).ToList();
        Assert.Contains(ids, id => id >= 23); // the fixture's weights make greedy decoding reach the padding rows

        (exit, stdout, stderr) = Run("generate", "--model", model, "--max-new-tokens", "8", "--greedy");
        Assert.True(exit == 0, stderr);
        // tiny-bytelevel: 2 e, 4 l, 8 Ġ, 6 r; the padding ids 44 and 39 contribute nothing.
        Assert.Equal([2, 4, 4, 44, 2, 8, 6, 39], ids);
        Assert.Equal("elle r\n", stdout);
    }

    private sealed record CorpusCase(string Dir, string[] Args, int Exit, string[] Substrings);

    private static TheoryData<string> CaseNames(bool needsShared)
    {
        var data = new TheoryData<string>();
        foreach (var dir in Directory.EnumerateDirectories(Corpus).Order(StringComparer.Ordinal))
        {
            var name = Path.GetFileName(dir);
            if (name.StartsWith('_') || name.StartsWith('.')) continue;
            var args = Path.Combine(dir, "args.txt");
            // A case without args.txt still runs, so that RunCase reports it instead of it vanishing.
            var usesShared = File.Exists(args) && File.ReadAllText(args).Contains("$SHARED", StringComparison.Ordinal);
            if (usesShared == needsShared) data.Add(name);
        }
        return data;
    }

    private static CorpusCase Load(string name)
    {
        var dir = Path.Combine(Corpus, name);
        var argsPath = Path.Combine(dir, "args.txt");
        var expectedPath = Path.Combine(dir, "expected.txt");
        Assert.True(File.Exists(argsPath) && File.Exists(expectedPath), $"case {name} needs args.txt and expected.txt");
        var args = File.ReadAllLines(argsPath).Where(l => !l.StartsWith('#')).ToArray();
        var expected = File.ReadAllLines(expectedPath);
        Assert.True(expected.Length >= 2 && int.TryParse(expected[0], out _),
            $"case {name}: expected.txt is line 1 the exit code, then one or more substrings of the error line");
        var exit = int.Parse(expected[0], System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(exit != 0, $"case {name}: a bad-input case must fail (exit code {exit})");
        return new CorpusCase(dir, args, exit, [.. expected.Skip(1).Where(l => l.Length > 0)]);
    }

    private static void RunCase(string name)
    {
        var c = Load(name);
        var outDir = NewTempDirectory();
        try
        {
            var seed = Path.Combine(c.Dir, "out");
            if (Directory.Exists(seed)) TestDirectories.Copy(seed, outDir);
            string Expand(string s) => s
                .Replace("$CASE", c.Dir, StringComparison.Ordinal)
                .Replace("$OUT", outDir, StringComparison.Ordinal)
                .Replace("$SHARED", SharedData.Root ?? "$SHARED", StringComparison.Ordinal);
            var outBefore = Snapshot(outDir);
            var caseBefore = Snapshot(c.Dir);

            var (exit, stdout, stderr) = Run([.. c.Args.Select(Expand)]);

            var report = $"case {name}: exit {exit}\n--- stderr ---\n{stderr}--- stdout ---\n{stdout}";
            Assert.True(exit == c.Exit, $"expected exit {c.Exit}. {report}");
            var lines = stderr.TrimEnd('\n').Split('\n');
            Assert.True(lines.Length == 1 && lines[0].StartsWith("error: ", StringComparison.Ordinal),
                $"expected exactly one line starting with 'error: '. {report}");
            foreach (var part in c.Substrings.Select(Expand))
                Assert.True(lines[0].Contains(part, StringComparison.Ordinal), $"the error line lacks \"{part}\". {report}");
            Assert.False((stderr + stdout).Contains("   at ", StringComparison.Ordinal), $"stack trace shown. {report}");
            Assert.True(outBefore.SequenceEqual(Snapshot(outDir)),
                $"the output directory changed: before [{string.Join(", ", outBefore)}], after [{string.Join(", ", Snapshot(outDir))}]. {report}");
            Assert.True(caseBefore.SequenceEqual(Snapshot(c.Dir)), $"the case's own files changed. {report}");
        }
        finally
        {
            Directory.Delete(outDir, recursive: true);
        }
    }

    private static (int Exit, string Out, string Err) Run(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var exit = MuscleApp.Run(args, stdout, stderr);
        return (exit, stdout.ToString().ReplaceLineEndings("\n"), stderr.ToString().ReplaceLineEndings("\n"));
    }

    private static string NewTempDirectory()
    {
        var dir = Path.Combine(Path.GetTempPath(), "muscle-bad-inputs-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        return dir;
    }

    /// <summary>Every entry below <paramref name="root"/>: directories by name, files by name, size and SHA-256.</summary>
    private static List<string> Snapshot(string root) =>
    [
        .. Directory.EnumerateFileSystemEntries(root, "*", Everything)
            .Select(p => File.Exists(p)
                ? $"{Path.GetRelativePath(root, p)} {new FileInfo(p).Length} {Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(p)))}"
                : Path.GetRelativePath(root, p) + "/")
            .Order(StringComparer.Ordinal),
    ];
}

/// <summary>A theory skipped as a whole, with a message, when <c>../shared/data</c> is absent.</summary>
public sealed class SharedDataTheoryAttribute : TheoryAttribute
{
    public SharedDataTheoryAttribute()
    {
        if (SharedData.Root is null)
            Skip = "../shared/data is absent on this machine (set MUSCLE_SHARED_DATA to point at it)";
    }
}
