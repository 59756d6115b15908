using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Muscle.Infrastructure;

namespace Muscle.LmEval;

/// <summary>
/// Writes lm-evaluation-harness <c>--log_samples</c> output: <c>samples_&lt;task&gt;_&lt;timestamp&gt;.jsonl</c> with one line per
/// document and filter, and <c>results_&lt;timestamp&gt;.json</c> with the task's aggregate metrics and its
/// <c>output_type</c> (which <see cref="LmEvalReader"/> reads to tell multiple choice from generation). The layout is
/// lm-eval v0.4.x's: <c>lm_eval/evaluator.py</c> builds each line as <c>doc_id, doc, target, arguments, resps,
/// filtered_resps, filter, metrics, doc_hash, prompt_hash, target_hash</c> followed by one key per metric, with
/// <c>doc_hash = hash_string(json.dumps(doc, indent=2, default=handle_non_serializable, ensure_ascii=False))</c>,
/// <c>prompt_hash = hash_string(requests[0].arguments[0])</c>, <c>target_hash = hash_string(str(target))</c>; then
/// <c>lm_eval/loggers/evaluation_tracker.py</c> (<c>save_results_samples</c>, as at commit 034ab036 of
/// EleutherAI/lm-evaluation-harness) rewrites <c>arguments</c> as <c>{"gen_args_i": {"arg_j": ...}}</c>, passes
/// <c>resps</c> and <c>filtered_resps</c> through <c>sanitize_list</c>, sets <c>target = str(target)</c> (earlier 0.4.x
/// releases left an int target as a JSON number; <see cref="LmEvalReader"/> reads both) and writes
/// <c>json.dumps(sample, default=handle_non_serializable, ensure_ascii=False)</c> per line. Python's JSON and
/// <c>str()</c> are reproduced by <see cref="PythonJson"/>. The file name's timestamp is lm-eval's
/// <c>datetime.now().isoformat().replace(":", "-")</c>.
/// </summary>
public static class LmEvalSamplesWriter
{
    public const string MultipleChoice = LmEvalTask.MultipleChoice;
    public const string GenerateUntil = LmEvalTask.GenerateUntil;

    /// <summary>lm-eval's <c>date_id</c> for a local time: <c>2024-05-01T12-30-05.123456</c>.</summary>
    public static string Timestamp(DateTime localTime) => localTime.ToString("yyyy-MM-dd'T'HH-mm-ss.ffffff", CultureInfo.InvariantCulture);

    /// <summary>One samples line (without the newline), exactly as the evaluation tracker writes it.</summary>
    public static string Line(LmEvalLogSample s)
    {
        ArgumentNullException.ThrowIfNull(s);
        var target = TargetString(s.Target);
        var arguments = new JsonObject();
        for (var i = 0; i < s.Arguments.Count; i++)
        {
            var args = new JsonObject();
            for (var j = 0; j < s.Arguments[i].Count; j++) args[$"arg_{j}"] = s.Arguments[i][j]?.DeepClone();
            arguments[$"gen_args_{i}"] = args;
        }
        var line = new JsonObject
        {
            ["doc_id"] = s.DocId,
            ["doc"] = s.Doc.DeepClone(),
            ["target"] = target,
            ["arguments"] = arguments,
            ["resps"] = PythonJson.SanitizeList(s.Resps),
            ["filtered_resps"] = PythonJson.SanitizeList(s.FilteredResps),
            ["filter"] = s.Filter,
            ["metrics"] = new JsonArray([.. s.Metrics.Select(m => (JsonNode?)m.Key)]),
            ["doc_hash"] = DocHash(s.Doc),
            ["prompt_hash"] = PromptHash(s),
            ["target_hash"] = PythonJson.HashString(target),
        };
        foreach (var (name, value) in s.Metrics) line[name] = value;
        return PythonJson.Dumps(line);
    }

    /// <summary><c>hash_string(json.dumps(doc, indent=2, default=handle_non_serializable, ensure_ascii=False))</c>.</summary>
    public static string DocHash(JsonObject doc) => PythonJson.HashString(PythonJson.Dumps(doc, indent: 2));

    /// <summary><c>hash_string(requests[0].arguments[0])</c>: the first request's context.</summary>
    public static string PromptHash(LmEvalLogSample s)
    {
        ArgumentNullException.ThrowIfNull(s);
        return PythonJson.HashString(PythonJson.Str(s.Arguments[0][0]));
    }

    /// <summary><c>str(target)</c>.</summary>
    public static string TargetString(JsonNode? target) => PythonJson.Str(target);

    /// <summary>
    /// Writes the two files into <paramref name="directory"/>, replacing it as a whole (nothing half-written):
    /// the samples of <paramref name="task"/> and a results file with its <paramref name="outputType"/> and aggregate
    /// <paramref name="metrics"/> (lm-eval's <c>"metric,filter"</c> keys).
    /// </summary>
    public static IReadOnlyList<string> Write(string directory, string task, string outputType, IReadOnlyList<LmEvalLogSample> samples,
                                              IReadOnlyDictionary<string, double> metrics, DateTime localTime, JsonObject? config = null)
    {
        ArgumentNullException.ThrowIfNull(directory);
        ArgumentNullException.ThrowIfNull(task);
        ArgumentNullException.ThrowIfNull(samples);
        ArgumentNullException.ThrowIfNull(metrics);
        if (samples.Count == 0) throw new ArgumentException("no samples to write", nameof(samples));
        var stamp = Timestamp(localTime);
        var samplesName = $"samples_{task}_{stamp}.jsonl";
        var resultsName = $"results_{stamp}.json";
        var text = new StringBuilder();
        foreach (var s in samples) text.Append(Line(s)).Append('\n');
        var filters = samples.Select(s => s.Filter).Distinct(StringComparer.Ordinal).ToList();
        var taskResults = new JsonObject { ["alias"] = task };
        foreach (var filter in filters)
            foreach (var (name, value) in metrics)
                taskResults[$"{name},{filter}"] = value;
        var results = new JsonObject
        {
            ["results"] = new JsonObject { [task] = taskResults },
            ["configs"] = new JsonObject { [task] = new JsonObject { ["task"] = task, ["output_type"] = outputType } },
            ["n-samples"] = new JsonObject { [task] = new JsonObject { ["original"] = samples.Count / filters.Count, ["effective"] = samples.Count / filters.Count } },
            ["config"] = config?.DeepClone() ?? new JsonObject(),
            ["date"] = (localTime.ToUniversalTime() - DateTime.UnixEpoch).TotalSeconds,
        };
        AtomicFile.WriteDirectory(directory, tmp =>
        {
            File.WriteAllText(Path.Combine(tmp, samplesName), text.ToString(), new UTF8Encoding(false));
            File.WriteAllText(Path.Combine(tmp, resultsName), PythonJson.Dumps(results, indent: 2), new UTF8Encoding(false));
        });
        return [samplesName, resultsName];
    }
}
