using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Muscle.Infrastructure;
using Muscle.Predictions;

namespace Muscle.LmEval;

/// <summary>
/// Reads lm-evaluation-harness <c>--log_samples</c> output (v0.4.x): a single <c>samples_*.jsonl</c> file, or an
/// output directory with <c>results_&lt;timestamp&gt;.json</c> and one <c>samples_&lt;task&gt;_&lt;timestamp&gt;.jsonl</c>
/// per task (lm-eval's <c>EvaluationTracker</c> writes them under <c>--output_path</c>, in a sub-directory named
/// after the model). The format is recognised from content: a JSONL line with <c>doc_id</c> and
/// <c>filtered_resps</c> or <c>resps</c>. Every problem is a <see cref="MuscleInputException"/> naming file and line.
/// <para>
/// Shapes accepted, as lm-eval writes them: <c>resps</c> holds one list per request (<c>[["text"]]</c> for a
/// generation, <c>[[[ll, is_greedy]], ...]</c> for the choices of a multiple-choice doc); <c>filtered_resps</c> holds one
/// value per request after the filter (<c>["text"]</c>, <c>[[ll, is_greedy], ...]</c>), nested once more when the
/// filter keeps a list. The evaluation tracker passes <c>resps</c> and <c>filtered_resps</c> through
/// <c>sanitize_list</c>, which turns numbers and booleans into strings (<c>"-1.25"</c>, <c>"False"</c>), so both
/// spellings are read.
/// </para>
/// </summary>
public static partial class LmEvalReader
{
    private static readonly HashSet<string> NotMetrics = new(StringComparer.Ordinal)
    {
        "doc_id", "doc", "target", "arguments", "resps", "filtered_resps", "filter", "metrics", "doc_hash",
        "prompt_hash", "target_hash", "task",
    };

    // lm-eval names files with datetime.now().isoformat() with ':' replaced by '-', e.g. 2024-05-01T12-30-05.123456.
    [GeneratedRegex(@"^samples_(?<task>.+)_(?<ts>\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}(\.\d+)?)\.jsonl$")]
    private static partial Regex SamplesFileName();

    /// <summary>
    /// True when <paramref name="path"/> is a directory, or a file whose first non-blank line is a JSON object with
    /// <c>doc_id</c> and <c>filtered_resps</c> or <c>resps</c>. Anything else (including malformed JSON) is left to the
    /// predictions reader, which reports it.
    /// </summary>
    public static bool IsLmEvalInput(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (Directory.Exists(path)) return true;
        if (!File.Exists(path)) return false;
        try
        {
            var first = File.ReadLines(path).FirstOrDefault(l => !string.IsNullOrWhiteSpace(l));
            if (first is null) return false;
            using var doc = JsonDocument.Parse(first);
            var root = doc.RootElement;
            return root.ValueKind == JsonValueKind.Object && root.TryGetProperty("doc_id", out _)
                   && (root.TryGetProperty("filtered_resps", out _) || root.TryGetProperty("resps", out _));
        }
        catch (Exception e) when (e is JsonException or IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>Reads a samples file or an lm-eval output directory.</summary>
    public static LmEvalRun ReadRun(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (Directory.Exists(path)) return ReadDirectory(path);
        if (!File.Exists(path)) throw new MuscleInputException("lm-eval samples file or directory not found", path);
        var match = SamplesFileName().Match(Path.GetFileName(path));
        var name = match.Success ? match.Groups["task"].Value : Path.GetFileNameWithoutExtension(path);
        return new LmEvalRun(path, ReadSamplesFile(path, name, outputTypes: null));
    }

    private static LmEvalRun ReadDirectory(string dir)
    {
        var files = Directory.GetFiles(dir, "samples_*.jsonl");
        var where = dir;
        if (files.Length == 0)
        {
            // lm-eval puts the files in <output_path>/<model name>/; accept the output path itself when it holds one model.
            var inSubdirs = Directory.GetDirectories(dir)
                .Select(d => (Dir: d, Files: Directory.GetFiles(d, "samples_*.jsonl")))
                .Where(x => x.Files.Length > 0)
                .OrderBy(x => x.Dir, StringComparer.Ordinal)
                .ToList();
            if (inSubdirs.Count > 1)
                throw new MuscleInputException(
                    $"several model directories with samples ({string.Join(", ", inSubdirs.Select(x => Path.GetFileName(x.Dir)))}); point at one of them",
                    dir);
            if (inSubdirs.Count == 1) (where, files) = inSubdirs[0];
        }
        if (files.Length == 0)
            throw new MuscleInputException("no samples_<task>_<timestamp>.jsonl here (lm-eval writes them only with --log_samples)", dir);

        var outputTypes = ReadOutputTypes(where);
        var byTask = new Dictionary<string, string>(StringComparer.Ordinal);
        var tasks = new List<LmEvalTask>();
        foreach (var file in files.Order(StringComparer.Ordinal))
        {
            var match = SamplesFileName().Match(Path.GetFileName(file));
            var name = match.Success ? match.Groups["task"].Value : Path.GetFileNameWithoutExtension(file)["samples_".Length..];
            if (byTask.TryGetValue(name, out var other))
                throw new MuscleInputException(
                    $"two samples files for task '{name}' (the other is {Path.GetFileName(other)}): the directory holds several runs; point at one file",
                    file);
            byTask[name] = file;
            tasks.AddRange(ReadSamplesFile(file, name, outputTypes));
        }
        return new LmEvalRun(dir, tasks.OrderBy(t => t.Name, StringComparer.Ordinal).ToList());
    }

    /// <summary>configs.&lt;task&gt;.output_type from every results_*.json in <paramref name="dir"/>, the newest file winning.</summary>
    private static Dictionary<string, string> ReadOutputTypes(string dir)
    {
        var types = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var file in Directory.GetFiles(dir, "results_*.json").Order(StringComparer.Ordinal))
        {
            JsonDocument doc;
            try { doc = JsonDocument.Parse(StrictUtf8.ReadAllText(file)); }
            catch (JsonException e) { throw new MuscleInputException($"malformed JSON: {e.Message}", file, e.LineNumber + 1, e); }
            using (doc)
            {
                if (doc.RootElement.ValueKind != JsonValueKind.Object
                    || !doc.RootElement.TryGetProperty("configs", out var configs) || configs.ValueKind != JsonValueKind.Object)
                    continue;
                foreach (var task in configs.EnumerateObject())
                    if (task.Value.ValueKind == JsonValueKind.Object && task.Value.TryGetProperty("output_type", out var t)
                        && t.ValueKind == JsonValueKind.String)
                        types[task.Name] = t.GetString()!;
            }
        }
        return types;
    }

    private static List<LmEvalTask> ReadSamplesFile(string file, string name, IReadOnlyDictionary<string, string>? outputTypes)
    {
        var samples = new List<LmEvalSample>();
        var lineNumber = 0;
        try
        {
            foreach (var line in StrictUtf8.ReadAllLines(file))
            {
                lineNumber++;
                if (string.IsNullOrWhiteSpace(line)) continue;
                try { samples.Add(ParseLine(file, lineNumber, line)); }
                catch (InvalidOperationException e) { throw new MuscleInputException($"unreadable value: {e.Message}", file, lineNumber, e); }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new MuscleInputException($"cannot read lm-eval samples: {e.Message}", file, inner: e);
        }
        if (samples.Count == 0) throw new MuscleInputException("lm-eval samples file is empty", file);

        var withKey = samples.Count(s => s.TaskKey is not null);
        if (withKey != 0 && withKey != samples.Count)
        {
            var bad = samples.First(s => s.TaskKey is null);
            throw new MuscleInputException("this line has no \"task\" key but others in the file do", file, bad.Line);
        }
        var groups = withKey == 0
            ? [(Name: name, Samples: samples)]
            : samples.GroupBy(s => s.TaskKey!, StringComparer.Ordinal).Select(g => (Name: g.Key, Samples: g.ToList())).ToList();

        var tasks = new List<LmEvalTask>();
        foreach (var (taskName, taskSamples) in groups)
        {
            RequireUniqueDocs(file, taskName, taskSamples, hasTaskKey: withKey != 0);
            var filters = taskSamples.Select(s => s.Filter).Distinct(StringComparer.Ordinal).ToList();
            var outputType = outputTypes is not null && outputTypes.TryGetValue(taskName, out var t)
                ? t
                : taskSamples.All(s => s.ChoiceLogLikelihoods is { Count: >= 2 }) ? LmEvalTask.MultipleChoice : LmEvalTask.GenerateUntil;
            tasks.Add(new LmEvalTask(taskName, file, outputType, filters, taskSamples));
        }
        return tasks;
    }

    /// <summary>
    /// lm-eval writes each (doc_id, filter) once per task, with the same metrics on every line, so a repeat or a change
    /// of metrics means the file joins several tasks or runs. Without a <c>task</c> key on the lines they cannot be
    /// told apart, and guessing would pair unrelated documents.
    /// </summary>
    private static void RequireUniqueDocs(string file, string task, List<LmEvalSample> samples, bool hasTaskKey)
    {
        var first = new Dictionary<(string, string), int>();
        var metrics = string.Join(", ", samples[0].Metrics.Keys.Order(StringComparer.Ordinal));
        foreach (var s in samples)
        {
            var these = string.Join(", ", s.Metrics.Keys.Order(StringComparer.Ordinal));
            if (these != metrics)
                throw new MuscleInputException(
                    $"this line's metrics ({these}) differ from line {samples[0].Line}'s ({metrics}): the file mixes tasks"
                    + (hasTaskKey ? $" under task '{task}'" : " and its lines have no \"task\" key to tell them apart; give one samples file per task"),
                    file, s.Line);
            if (first.TryAdd((s.DocId, s.Filter), s.Line)) continue;
            var why = hasTaskKey
                ? $"doc_id {s.DocId} appears twice for task '{task}' and filter '{s.Filter}' (first on line {first[(s.DocId, s.Filter)]})"
                : $"doc_id {s.DocId} appears twice for filter '{s.Filter}' (first on line {first[(s.DocId, s.Filter)]}): the file mixes tasks or runs and its lines have no \"task\" key to tell them apart; give one samples file per task";
            throw new MuscleInputException(why, file, s.Line);
        }
    }

    private static LmEvalSample ParseLine(string file, int line, string text)
    {
        JsonDocument doc;
        try { doc = JsonDocument.Parse(text); }
        catch (JsonException e) { throw new MuscleInputException($"malformed JSON: {e.Message}", file, line, e); }
        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                throw new MuscleInputException($"expected a JSON object per line, found {root.ValueKind}", file, line);
            if (!root.TryGetProperty("doc_id", out var idElement))
                throw new MuscleInputException("missing \"doc_id\" (not an lm-eval samples line)", file, line);
            var docId = idElement.ValueKind switch
            {
                JsonValueKind.Number when idElement.TryGetInt64(out var v) => v.ToString(CultureInfo.InvariantCulture),
                JsonValueKind.String => idElement.GetString()!,
                _ => throw new MuscleInputException($"\"doc_id\" must be an integer or a string, found {idElement.GetRawText()}", file, line),
            };
            var filter = root.TryGetProperty("filter", out var f) && f.ValueKind == JsonValueKind.String ? f.GetString()! : "none";
            var docHash = root.TryGetProperty("doc_hash", out var h) && h.ValueKind == JsonValueKind.String ? h.GetString() : null;
            var target = root.TryGetProperty("target", out var tg) ? ReadTarget(tg) : null;
            var taskKey = root.TryGetProperty("task", out var tk) && tk.ValueKind == JsonValueKind.String ? tk.GetString() : null;
            var docText = root.TryGetProperty("doc", out var d) ? d.GetRawText() : null;

            JsonElement responses;
            if (root.TryGetProperty("filtered_resps", out var fr) && fr.ValueKind == JsonValueKind.Array) responses = fr;
            else if (root.TryGetProperty("resps", out var r) && r.ValueKind == JsonValueKind.Array) responses = r;
            else throw new MuscleInputException("missing \"filtered_resps\" and \"resps\" (arrays)", file, line);

            var lls = ChoiceLogLikelihoods(responses);
            var response = FirstText(responses);
            var lengths = lls is null ? null : ContinuationLengths(root, lls.Count);
            return new LmEvalSample(docId, filter, docHash, target, lls, lengths, response, ReadMetrics(root), taskKey, docText, line);
        }
    }

    private static Label? ReadTarget(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Null => null,
        JsonValueKind.String => new Label(e.GetString()!, IsInteger: false),
        JsonValueKind.Number when e.TryGetInt64(out var v) => new Label(v.ToString(CultureInfo.InvariantCulture), IsInteger: true),
        _ => new Label(e.GetRawText(), IsInteger: false),
    };

    /// <summary>
    /// Per-choice log-likelihoods: each element, once single-element lists are unwrapped (<c>[[ll, g]]</c> → <c>[ll, g]</c>),
    /// is <c>[ll, is_greedy]</c> or a bare <c>ll</c>. Null when any element is not (a generation).
    /// </summary>
    private static List<double>? ChoiceLogLikelihoods(JsonElement responses)
    {
        var lls = new List<double>();
        foreach (var item in responses.EnumerateArray())
        {
            var e = item;
            while (e.ValueKind == JsonValueKind.Array && e.GetArrayLength() == 1 && e[0].ValueKind == JsonValueKind.Array) e = e[0];
            if (e.ValueKind == JsonValueKind.Array && e.GetArrayLength() is 1 or 2) e = e[0];
            if (TryNumber(e, out var ll)) lls.Add(ll);
            else return null;
        }
        // One number is a generation that happens to be numeric ("42"), not a choice among one.
        return lls.Count < 2 ? null : lls;
    }

    /// <summary>The first string reached by descending through index 0 (<c>["x"]</c> and <c>[["x"]]</c> both give x).</summary>
    private static string? FirstText(JsonElement e)
    {
        while (e.ValueKind == JsonValueKind.Array && e.GetArrayLength() > 0) e = e[0];
        return e.ValueKind == JsonValueKind.String ? e.GetString() : null;
    }

    /// <summary>
    /// Continuation lengths from <c>arguments</c>: v0.4.x lists <c>[context, continuation]</c> per request; later
    /// versions write <c>{"gen_args_0": {"arg_0": context, "arg_1": continuation}, ...}</c>. The leading target
    /// delimiter (lm-eval's default, one space) is not counted, as lm-eval's acc_norm divides by <c>len(choice)</c>;
    /// a task configured with another <c>target_delimiter</c> is read as if it had the default.
    /// </summary>
    private static List<int>? ContinuationLengths(JsonElement root, int choices)
    {
        if (!root.TryGetProperty("arguments", out var args)) return null;
        var continuations = new List<JsonElement>();
        if (args.ValueKind == JsonValueKind.Array)
            continuations.AddRange(args.EnumerateArray().Select(a => a.ValueKind == JsonValueKind.Array && a.GetArrayLength() >= 2 ? a[1] : default));
        else if (args.ValueKind == JsonValueKind.Object)
            for (var i = 0; args.TryGetProperty($"gen_args_{i}", out var g); i++)
                continuations.Add(g.ValueKind == JsonValueKind.Object && g.TryGetProperty("arg_1", out var c) ? c : default);
        if (continuations.Count != choices || continuations.Any(c => c.ValueKind != JsonValueKind.String)) return null;
        // Exactly one delimiter: a choice that itself begins with a space (jsonl-mc's " world" logged as "  world") keeps it,
        // as lm-eval's len(choice) does.
        return continuations.Select(c => c.GetString()!).Select(c => Math.Max(1, (c.StartsWith(' ') ? c[1..] : c).Length)).ToList();
    }

    private static Dictionary<string, double?> ReadMetrics(JsonElement root)
    {
        var metrics = new Dictionary<string, double?>(StringComparer.Ordinal);
        if (root.TryGetProperty("metrics", out var names) && names.ValueKind == JsonValueKind.Array)
        {
            foreach (var n in names.EnumerateArray())
                if (n.ValueKind == JsonValueKind.String && root.TryGetProperty(n.GetString()!, out var v))
                    metrics[n.GetString()!] = TryNumber(v, out var x) && v.ValueKind != JsonValueKind.String ? x : null;
            return metrics;
        }
        // Files older than v0.4.3 have no "metrics" list: every other numeric or boolean key is a metric.
        foreach (var p in root.EnumerateObject())
            if (!NotMetrics.Contains(p.Name) && p.Value.ValueKind is JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False)
                metrics[p.Name] = TryNumber(p.Value, out var x) ? x : null;
        return metrics;
    }

    /// <summary>A JSON number or boolean, or their Python <c>str()</c> spelling ("-1.5", "-inf", "True").</summary>
    private static bool TryNumber(JsonElement e, out double value)
    {
        switch (e.ValueKind)
        {
            case JsonValueKind.Number:
                return e.TryGetDouble(out value);
            case JsonValueKind.True:
                value = 1;
                return true;
            case JsonValueKind.False:
                value = 0;
                return true;
            case JsonValueKind.String:
                var s = e.GetString()!;
                switch (s)
                {
                    case "True": value = 1; return true;
                    case "False": value = 0; return true;
                    case "inf": value = double.PositiveInfinity; return true;
                    case "-inf": value = double.NegativeInfinity; return true;
                }
                return double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out value);
            default:
                value = 0;
                return false;
        }
    }
}
