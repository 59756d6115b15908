using System.Security.Cryptography;
using System.CommandLine;
using Muscle.Cli.Commands;
using Muscle.Cli.Infrastructure;
using Muscle.Infrastructure;
using Muscle.Testing;

namespace Muscle.Tests.Reliability;

/// <summary>
/// An output never destroys an input: every command that writes is run with its <c>--out</c> (or <c>--report</c>,
/// <c>--teacher-cache</c>) aimed at each of its inputs, at a directory holding them and inside an input directory; each run must be refused with one
/// line naming both paths, and every input's SHA-256 must be unchanged. Also: special files are refused, symbolic links
/// are written through, directories muscle did not write are left alone, and a run directory is locked.
/// </summary>
public sealed class OutputGuardTests : IDisposable
{
    private static readonly string Valid = Path.Combine(SharedData.RepoRoot, "tests", "bad-inputs", "_valid");

    private readonly string _ws = Path.Combine(Path.GetTempPath(), "muscle-guard-" + Guid.NewGuid().ToString("N"));

    public OutputGuardTests()
    {
        Directory.CreateDirectory(_ws);
        CopyDirectory(Path.Combine(Valid, "tiny-llama"), P("model-old"));
        CopyDirectory(Path.Combine(Valid, "tiny-llama"), P("model-new"));
        CopyDirectory(Path.Combine(Valid, "tiny-adapter"), P("adapter-old"));
        CopyDirectory(Path.Combine(Valid, "tiny-adapter"), P("adapter-new"));
        CopyDirectory(Path.Combine(Valid, "tiny-llama"), P("tokenizer"));
        File.Copy(Path.Combine(Valid, "tiny.bin"), P("tiny.bin"));
        File.Copy(Path.Combine(Valid, "tiny.model"), P("tiny.model"));
        var mc = File.ReadAllLines(Path.Combine(Valid, "mc.jsonl"));
        File.WriteAllLines(P("train.jsonl"), mc[..6]);
        File.WriteAllLines(P("valid.jsonl"), mc[6..8]);
        File.WriteAllLines(P("test.jsonl"), mc[8..]);
        // Label files are only inputs here: every run is refused at its output, before any file is read.
        foreach (var labels in new[] { "train-labels.txt", "valid-labels.txt", "test-labels.txt" }) File.WriteAllText(P(labels), "0\n");
        File.Copy(Path.Combine(Valid, "tiny-llama", "config.json"), P("config.json"));
        File.WriteAllLines(P("transfer.jsonl"), mc[..2].Select(l => l.Replace("\"id\": \"", "\"id\": \"t-", StringComparison.Ordinal)));
        File.WriteAllText(P("corpus.txt"), "one small document\n\nanother small document\n");
        File.WriteAllText(P("valid.txt"), "held out text\n");
        File.WriteAllText(P("old.jsonl"), "{\"id\": \"1\", \"gold\": 0, \"prediction\": 0}\n");
        File.WriteAllText(P("new.jsonl"), "{\"id\": \"1\", \"gold\": 0, \"prediction\": 1}\n");
        File.WriteAllText(P("compat.jsonl"), "{\"id\": \"1\", \"gold\": 0, \"prediction\": 0}\n");
    }

    public void Dispose()
    {
        if (Directory.Exists(_ws)) Directory.Delete(_ws, recursive: true);
    }

    private string P(string name) => Path.Combine(_ws, name);

    /// <summary>
    /// A command line that works but for its output, the option naming the output, and its inputs. A command with no
    /// input (demo, data world) is still aimed at the directory holding everything, which it must leave alone.
    /// </summary>
    private sealed record Writer(string[] Args, string OutOption, (string Option, string Name)[] Inputs);

    private Writer[] Writers()
    {
        string[] Update(params string[] extra) =>
        [
            "--old-model", P("model-old"), "--old-adapter", P("adapter-old"), "--new-model", P("model-new"), "--new-adapter", P("adapter-new"),
            "--task", "jsonl-mc", "--train", P("train.jsonl"), "--valid", P("valid.jsonl"), "--transfer", P("transfer.jsonl"), .. extra,
        ];
        (string, string)[] updateInputs =
        [
            ("--old-model", "model-old"), ("--old-adapter", "adapter-old"), ("--new-model", "model-new"), ("--new-adapter", "adapter-new"),
            ("--train", "train.jsonl"), ("--valid", "valid.jsonl"), ("--transfer", "transfer.jsonl"),
        ];
        // The label files' options too (inputs like any other; every run is refused at its output before reading one).
        string[] labels = ["--labels", P("train-labels.txt"), "--valid-labels", P("valid-labels.txt")];
        (string, string)[] labelInputs = [("--labels", "train-labels.txt"), ("--valid-labels", "valid-labels.txt")];
        string[] test = ["--test", P("test.jsonl"), "--test-labels", P("test-labels.txt")];
        (string, string)[] testInputs = [("--test", "test.jsonl"), ("--test-labels", "test-labels.txt")];
        string[] elsewhere = ["--out", P("unused-run")];
        return
        [
            // Indexed by the tests below: 0 convert, 1 eval, 2 train-adapter, 7 compare.
            new(["convert", "llama2c", "--checkpoint", P("tiny.bin"), "--tokenizer", P("tiny.model")], "--out",
                [("--checkpoint", "tiny.bin"), ("--tokenizer", "tiny.model")]),
            new(["eval", "--model", P("model-old"), "--adapter", P("adapter-old"), "--task", "jsonl-mc", "--data", P("test.jsonl")], "--out",
                [("--model", "model-old"), ("--adapter", "adapter-old"), ("--data", "test.jsonl")]),
            new(["train-adapter", "--model", P("model-old"), "--task", "jsonl-mc", "--train", P("train.jsonl"), "--valid", P("valid.jsonl")], "--out",
                [("--model", "model-old"), ("--train", "train.jsonl"), ("--valid", "valid.jsonl")]),
            new(["train-compat", .. Update()], "--out", updateInputs),
            new(["update", .. Update("--test", P("test.jsonl"))], "--out", [.. updateInputs, ("--test", "test.jsonl")]),
            new(["ablate", .. Update("--test", P("test.jsonl"))], "--out", [.. updateInputs, ("--test", "test.jsonl")]),
            new(["pretrain", "--corpus", P("corpus.txt"), "--init-from", P("model-old"), "--tokenizer", P("tokenizer"), "--valid", P("valid.txt")], "--out",
                [("--corpus", "corpus.txt"), ("--init-from", "model-old"), ("--tokenizer", "tokenizer"), ("--valid", "valid.txt")]),
            new(["compare", "--old", P("old.jsonl"), "--new", P("new.jsonl"), "--compat", P("compat.jsonl")], "--report",
                [("--old", "old.jsonl"), ("--new", "new.jsonl"), ("--compat", "compat.jsonl")]),
            new(["eval", "--model", P("model-old"), "--task", "jsonl-mc", "--data", P("test.jsonl"), "--labels", P("test-labels.txt")], "--out",
                [("--data", "test.jsonl"), ("--labels", "test-labels.txt")]),
            new(["train-adapter", "--model", P("model-old"), "--task", "jsonl-mc", "--train", P("train.jsonl"), "--valid", P("valid.jsonl"), .. labels],
                "--out", labelInputs),
            new(["train-compat", .. Update(labels)], "--out", labelInputs),
            new(["update", .. Update([.. labels, .. test])], "--out", [.. labelInputs, .. testInputs]),
            new(["ablate", .. Update([.. labels, .. test])], "--out", [.. labelInputs, .. testInputs]),
            // The teacher cache is an output too (replaced as a whole): never an input either.
            new(["train-compat", .. Update([.. labels, .. elsewhere])], "--teacher-cache", [.. updateInputs, .. labelInputs]),
            new(["update", .. Update([.. labels, .. test, .. elsewhere])], "--teacher-cache", [.. updateInputs, .. labelInputs, .. testInputs]),
            new(["ablate", .. Update([.. labels, .. test, .. elsewhere])], "--teacher-cache", [.. updateInputs, .. labelInputs, .. testInputs]),
            new(["pretrain", "--corpus", P("corpus.txt"), "--config", P("config.json"), "--tokenizer", P("tokenizer")], "--out",
                [("--config", "config.json")]),
            // No inputs: aimed only at the directory holding everything, which they must leave alone.
            new(["data", "world", "--quick"], "--out", []),
            new(["demo", "--quick"], "--out", []),
        ];
    }

    [Fact]
    public void Every_output_aimed_at_an_input_is_refused_and_no_input_changes()
    {
        var before = Snapshot(_ws);
        var runs = 0;
        foreach (var w in Writers())
        {
            foreach (var (option, name) in w.Inputs)
            {
                // The output is the input itself ...
                Refused(w, P(name), $"{w.OutOption} {P(name)} is the {option} input {P(name)}");
                // ... or inside an input directory.
                if (Directory.Exists(P(name)))
                    Refused(w, Path.Combine(P(name), "out"), $"{w.OutOption} {Path.Combine(P(name), "out")} lies inside the {option} input {P(name)}");
                runs++;
            }
            // ... or a directory holding the inputs (for a command without inputs: a directory muscle did not write).
            Refused(w, _ws, w.Inputs.Length > 0 ? $"{w.OutOption} {_ws} contains the " : $"{w.OutOption} {_ws} already holds files muscle did not write");
            Assert.Equal(before, Snapshot(_ws));
        }
        Assert.True(runs >= 70, $"only {runs} input/output pairs checked");
        // Every output option of every command in the catalog is aimed here (generate and data inspect only print).
        var covered = Writers().Select(w => $"{string.Join(' ', w.Args.TakeWhile(a => !a.StartsWith("--", StringComparison.Ordinal)))} {w.OutOption}").ToHashSet();
        var outputs = OutputOptions(CommandCatalog.All(new CliContext(TextWriter.Null, TextWriter.Null)), "").ToList();
        Assert.True(outputs.Count >= 12, string.Join(", ", outputs));
        foreach (var output in outputs) Assert.True(covered.Contains(output), $"{output} is never aimed at an input");
    }

    private static readonly string[] OutputOptionNames = ["--out", "--report", "--teacher-cache"];

    /// <summary>"COMMAND PATH --option" for every option of a command that names an output.</summary>
    private static IEnumerable<string> OutputOptions(IEnumerable<Command> commands, string prefix)
    {
        foreach (var command in commands)
        {
            var path = (prefix + " " + command.Name).Trim();
            foreach (var option in command.Options.Where(o => OutputOptionNames.Contains(o.Name))) yield return $"{path} {option.Name}";
            foreach (var sub in OutputOptions(command.Subcommands, path)) yield return sub;
        }
    }

    [Fact]
    public void A_symlinked_output_aimed_at_an_input_is_refused()
    {
        var before = Snapshot(_ws);
        var outside = NewOutside();
        try
        {
            var link = Path.Combine(outside, "link");
            File.CreateSymbolicLink(link, P("test.jsonl"));
            var eval = Writers()[1];
            Refused(eval, link, $"--out {P("test.jsonl")} is the --data input {P("test.jsonl")}");
            Directory.CreateSymbolicLink(Path.Combine(outside, "dirlink"), _ws);
            Refused(Writers()[0], Path.Combine(outside, "dirlink", "tiny.bin"), $"--out {P("tiny.bin")} is the --checkpoint input");
            Assert.Equal(before, Snapshot(_ws));
        }
        finally
        {
            Directory.Delete(outside, recursive: true);
        }
    }

    [Theory]
    [InlineData("/dev/null", "a character device")]
    [InlineData("/dev/full", "a character device")]
    public void A_special_file_is_refused_as_an_output(string path, string what)
    {
        var (exit, _, stderr) = Run([.. Writers()[1].Args, "--out", path]);
        Assert.Equal(2, exit);
        Assert.Equal($"error: --out is {what}; muscle writes regular files and directories only, so it will not replace it ({path})", stderr.TrimEnd('\n'));
        Assert.True(OutputGuard.IsSpecialFile(path), $"{path} was replaced by a regular file");
    }

    [Fact]
    public void A_symlinked_output_is_written_through()
    {
        var outside = NewOutside();
        try
        {
            var target = Path.Combine(outside, "predictions.jsonl");
            var link = Path.Combine(outside, "link.jsonl");
            File.CreateSymbolicLink(link, target);
            var (exit, _, stderr) = Run([.. Writers()[1].Args, "--out", link]);
            Assert.True(exit == 0, stderr);
            Assert.NotNull(new FileInfo(link).LinkTarget);
            Assert.Equal(2, File.ReadAllLines(target).Length); // test.jsonl: two records

            var modelDir = Path.Combine(outside, "model");
            var dirLink = Path.Combine(outside, "model-link");
            Directory.CreateSymbolicLink(dirLink, modelDir);
            (exit, _, stderr) = Run([.. Writers()[0].Args, "--out", dirLink]);
            Assert.True(exit == 0, stderr);
            Assert.NotNull(new DirectoryInfo(dirLink).LinkTarget);
            Assert.True(File.Exists(Path.Combine(modelDir, "model.safetensors")));
            Assert.True(File.Exists(Path.Combine(modelDir, OutputGuard.MarkerFileName)));
        }
        finally
        {
            Directory.Delete(outside, recursive: true);
        }
    }

    [Fact]
    public void A_directory_muscle_did_not_write_is_refused_and_one_it_wrote_is_replaced()
    {
        var outside = NewOutside();
        try
        {
            var dir = Path.Combine(outside, "projects");
            Directory.CreateDirectory(Path.Combine(dir, "other"));
            File.WriteAllText(Path.Combine(dir, "other", "keep.txt"), "mine");
            var before = Snapshot(outside);
            string[][] writers =
            [
                [.. Writers()[0].Args, "--out", dir],
                [.. Writers()[2].Args, "--out", dir],
                [.. Writers()[7].Args, "--report", dir],
                ["data", "world", "--quick", "--out", dir],
                ["demo", "--quick", "--out", dir],
            ];
            foreach (var args in writers)
            {
                var (exit, _, stderr) = Run(args);
                Assert.True(exit == 2, stderr);
                Assert.Contains($"{dir} already holds files muscle did not write", stderr);
                Assert.Equal(before, Snapshot(outside));
            }

            // A directory muscle wrote (it carries the marker) is replaced as a whole by a rerun.
            var model = Path.Combine(outside, "model");
            Assert.Equal(0, Run([.. Writers()[0].Args, "--out", model]).Exit);
            File.WriteAllText(Path.Combine(model, "stale.txt"), "x");
            var (code, _, err) = Run([.. Writers()[0].Args, "--out", model]);
            Assert.True(code == 0, err);
            Assert.False(File.Exists(Path.Combine(model, "stale.txt")));
            Assert.True(File.Exists(Path.Combine(model, OutputGuard.MarkerFileName)));
        }
        finally
        {
            Directory.Delete(outside, recursive: true);
        }
    }

    [Fact]
    public void A_second_run_on_a_locked_run_directory_is_refused_naming_the_process()
    {
        var outside = NewOutside();
        try
        {
            var run = Path.Combine(outside, "run");
            string[] trainAdapter = [.. Writers()[2].Args, "--out", run, "--epochs", "1", "--batch-size", "2", "--grad-accum", "1", "--warmup", "0"];
            // The first run holds the lock as train-adapter does for its whole duration.
            using (OutputGuard.ClaimRunDirectory(run, "--out"))
            {
                var (exit, _, stderr) = Run(trainAdapter);
                Assert.Equal(2, exit);
                Assert.Equal($"error: --out {run} is in use by process {Environment.ProcessId} (it holds {OutputGuard.LockFileName}); " +
                             "wait for that run to finish or choose another --out", stderr.TrimEnd('\n'));
                Assert.Equal([OutputGuard.MarkerFileName, OutputGuard.LockFileName],
                             Directory.GetFileSystemEntries(run).Select(Path.GetFileName).Order(StringComparer.Ordinal));
            }
            // Released: the same command now runs, and nothing of a lost race (".last.old-…") is left.
            var (code, _, err) = Run(trainAdapter);
            Assert.True(code == 0, err);
            Assert.Empty(Directory.EnumerateFileSystemEntries(run, ".*.old-*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 }));
            Assert.True(File.Exists(Path.Combine(run, "adapter_model.safetensors")));
        }
        finally
        {
            Directory.Delete(outside, recursive: true);
        }
    }

    [Fact]
    public void A_refused_run_leaves_no_run_directory_behind()
    {
        var outside = NewOutside();
        try
        {
            var run = Path.Combine(outside, "run");
            // The run directory is claimed before the data is read; an empty training file fails afterwards.
            var empty = Path.Combine(outside, "empty.jsonl");
            File.WriteAllText(empty, "");
            var (exit, _, stderr) = Run(["train-adapter", "--model", P("model-old"), "--task", "jsonl-mc", "--train", empty, "--out", run]);
            Assert.True(exit == 2, stderr);
            Assert.False(Directory.Exists(run));
        }
        finally
        {
            Directory.Delete(outside, recursive: true);
        }
    }

    private void Refused(Writer w, string output, string expected)
    {
        var (exit, stdout, stderr) = Run([.. w.Args, w.OutOption, output]);
        var report = $"{string.Join(' ', w.Args.Take(2))} {w.OutOption} {output}: exit {exit}\n{stderr}{stdout}";
        Assert.True(exit == 2, report);
        var line = Assert.Single(stderr.TrimEnd('\n').Split('\n'));
        Assert.StartsWith("error: ", line);
        Assert.True(line.Contains(expected, StringComparison.Ordinal), $"expected \"{expected}\". {report}");
    }

    private static string NewOutside()
    {
        var dir = Path.Combine(Path.GetTempPath(), "muscle-guard-out-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        return dir;
    }

    private static (int Exit, string Out, string Err) Run(string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var exit = MuscleApp.Run(args, stdout, stderr);
        return (exit, stdout.ToString().ReplaceLineEndings("\n"), stderr.ToString().ReplaceLineEndings("\n"));
    }

    /// <summary>Every entry below <paramref name="root"/> (hidden ones too): directories by name, files by name and SHA-256.</summary>
    private static List<string> Snapshot(string root) =>
    [
        .. Directory.EnumerateFileSystemEntries(root, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 })
            .Select(p => File.Exists(p)
                ? $"{Path.GetRelativePath(root, p)} {Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(p)))}"
                : Path.GetRelativePath(root, p) + "/")
            .Order(StringComparer.Ordinal),
    ];

    private static void CopyDirectory(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.EnumerateFiles(from)) File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
    }
}
