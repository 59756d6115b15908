using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Muscle.Events;
using Muscle.Generation;
using Muscle.Infrastructure;
using Muscle.LmEval;
using Muscle.Models;
using Muscle.Rouge;
using Muscle.Tasks;
using Muscle.Tokenization;

namespace Muscle.Evaluation;

/// <summary>How <c>muscle eval</c> runs a task.</summary>
public sealed record EvaluationOptions
{
    /// <summary>Requests scored together (multiple choice).</summary>
    public int BatchSize { get; init; } = 8;
    /// <summary>Only the first N examples (lm-eval's <c>--limit</c>).</summary>
    public int? Limit { get; init; }
    /// <summary>Longest scored sequence; longer contexts are cut from the left, as lm-eval does.</summary>
    public int MaxSeqLen { get; init; } = 2048;
    /// <summary>Overrides the task's own maximum of new tokens (generative tasks).</summary>
    public int? MaxNewTokens { get; init; }
}

/// <summary>
/// One instance's outcome, as written to the predictions JSONL (keyed by id), and as the lm-eval samples line of
/// <c>muscle eval --log-samples</c> (<see cref="LogSample"/>).
/// </summary>
public sealed record InstancePrediction(JsonObject Line, bool? Correct, double? Score)
{
    public LmEvalLogSample? LogSample { get; init; }
}

/// <summary>The task-level result: the metric values printed by <c>muscle eval</c> and stored beside the predictions.</summary>
public sealed record EvaluationSummary(string Task, int Count, IReadOnlyDictionary<string, double> Metrics, IReadOnlyList<InstancePrediction> Predictions)
{
    /// <summary>What the caller should tell the user once per run (e.g. how many generations a full context window cut short).</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];

    public string MetricsLine() => string.Join(", ", Metrics.Select(m => $"{m.Key} = {m.Value:F4}"));
}

/// <summary>
/// Runs a task on a model and produces per-instance predictions — the raw material of every flip metric.
/// Multiple choice: summed log-likelihood of each continuation; <c>acc</c> (argmax) and <c>acc_norm</c> (divided by the
/// choice's character length), ties to the first. Generative: greedy with KV cache and the task's stops, then its metric
/// (exact match, or ROUGE-1 F in [0, 1] against the reference).
/// </summary>
public static class TaskEvaluator
{
    /// <summary>
    /// The filter name of a generative task's lm-eval samples: <c>filtered_resps</c> holds the text its metric compared
    /// (the generation cut at the stops and stripped; gsm8k: the extracted number), which is not lm-eval's take-first
    /// <c>none</c>.
    /// </summary>
    public const string ScoredFilter = "scored";

    /// <param name="dataFile">Where the examples came from, named by input errors (an item that cannot be scored).</param>
    public static EvaluationSummary Evaluate(ICausalLM model, MuscleTokenizer tokenizer, ITaskDefinition task,
                                             IReadOnlyList<TaskExample> examples, EvaluationOptions options,
                                             IProgress<RunEvent>? progress = null, string? dataFile = null)
    {
        if (options.Limit is int limit) examples = examples.Take(Math.Max(0, limit)).ToList();
        if (examples.Count == 0) throw new MuscleInputException($"nothing to evaluate: the {task.Name} data is empty");
        return task.Kind == TaskKind.MultipleChoice
            ? MultipleChoice(model, tokenizer, task, examples, options, progress, dataFile)
            : Generative(model, tokenizer, task, examples, options, progress);
    }

    private static EvaluationSummary MultipleChoice(ICausalLM model, MuscleTokenizer tokenizer, ITaskDefinition task,
        IReadOnlyList<TaskExample> examples, EvaluationOptions options, IProgress<RunEvent>? progress, string? dataFile)
    {
        var requests = new List<EncodedPair>();
        var offsets = new int[examples.Count + 1];
        for (var i = 0; i < examples.Count; i++)
        {
            offsets[i] = requests.Count;
            var choice = 0;
            foreach (var r in examples[i].Requests())
            {
                var pair = tokenizer.Encode(r.Context, r.Continuation, options.MaxSeqLen);
                // lm-eval cuts the context from the left and never the continuation; the first continuation token is
                // predicted from the token before it, so at least one context token (BOS) must survive the cut.
                if (pair.ContextLength < 1)
                    throw new MuscleInputException(
                        $"item {examples[i].Id}, choice {choice}: the continuation is {pair.ContinuationLength} tokens, "
                        + $"which leaves no context token within --max-seq-len {options.MaxSeqLen}; raise --max-seq-len", dataFile);
                requests.Add(pair);
                choice++;
            }
        }
        offsets[examples.Count] = requests.Count;
        var scores = LoglikelihoodScorer.Score(model, requests, options.BatchSize, tokenizer.PadId ?? tokenizer.EosId ?? 0,
            new SyncProgress<int>(done => progress?.Report(new EvaluationProgress(done, requests.Count))));
        // log_softmax of finite logits is finite: anything else means NaN/inf weights, and JSON cannot hold it anyway.
        if (scores.Any(s => !double.IsFinite(s.LogLikelihood)))
            throw new MuscleInputException("the model's log-likelihoods are not finite: its weights hold NaN or infinite values",
                Path.GetDirectoryName(model.Config.SourcePath));

        var predictions = new List<InstancePrediction>(examples.Count);
        int right = 0, rightNorm = 0;
        for (var i = 0; i < examples.Count; i++)
        {
            var ex = examples[i];
            var ll = Enumerable.Range(offsets[i], offsets[i + 1] - offsets[i]).Select(k => scores[k].LogLikelihood).ToArray();
            var decided = MultipleChoiceRules.Decide(ll, ex);
            var correct = ex.Gold is int g && decided.Acc == g;
            var correctNorm = ex.Gold is int g2 && decided.AccNorm == g2;
            if (correct) right++;
            if (correctNorm) rightNorm++;
            var line = new JsonObject
            {
                ["id"] = ex.Id,
                ["gold"] = ex.Gold,
                ["prediction"] = decided.Acc,
                ["correct"] = correct,
                ["logprobs"] = new JsonArray(ll.Select(v => (JsonNode?)v).ToArray()),
                ["prediction_norm"] = decided.AccNorm,
                ["correct_norm"] = correctNorm,
                ["input"] = ex.ChoiceContexts is null ? ex.Context : ex.ChoiceContexts[0],
                ["output"] = ex.Choices[decided.Acc].Trim(),
            };
            var greedy = Enumerable.Range(offsets[i], offsets[i + 1] - offsets[i]).Select(k => scores[k].IsGreedy).ToArray();
            predictions.Add(new InstancePrediction(line, correct, null)
            {
                LogSample = MultipleChoiceLogSample(i, ex, ll, greedy, correct, correctNorm, task.Scoring?.ReportsAccNorm == true),
            });
        }
        var metrics = new Dictionary<string, double> { ["acc"] = (double)right / examples.Count };
        if (task.Scoring?.ReportsAccNorm == true) metrics["acc_norm"] = (double)rightNorm / examples.Count;
        return new EvaluationSummary(task.Name, examples.Count, metrics, predictions);
    }

    private static EvaluationSummary Generative(ICausalLM model, MuscleTokenizer tokenizer, ITaskDefinition task,
        IReadOnlyList<TaskExample> examples, EvaluationOptions options, IProgress<RunEvent>? progress)
    {
        var spec = task.Generation!;
        var generator = new TextGenerator(model, tokenizer);
        var genOptions = new GenerationOptions
        {
            Greedy = true,
            MaxNewTokens = options.MaxNewTokens ?? spec.MaxNewTokens,
            StopSequences = spec.StopSequences,
            NoRepeatNgramSize = spec.NoRepeatNgramSize,
        };
        var rouge = spec.Metric == "rouge1" ? new RougeScorer("rouge1") : null;
        var prompts = new string[examples.Count];
        var promptIds = new IReadOnlyList<int>[examples.Count];
        for (var i = 0; i < examples.Count; i++)
        {
            prompts[i] = task.TrainingText(examples[i]).Context;
            var ids = tokenizer.Encode(prompts[i], addBos: true);
            promptIds[i] = ids.Count > options.MaxSeqLen ? ids.Skip(ids.Count - options.MaxSeqLen).ToList() : ids;
        }
        // Greedy decoding of up to BatchSize prompts of one token length at a time (no padding: each row's positions and
        // attention are its own); the predictions keep the examples' order.
        var outputs = new GenerationResult[examples.Count];
        var done = 0;
        foreach (var sameLength in Enumerable.Range(0, examples.Count).GroupBy(i => promptIds[i].Count))
            foreach (var batch in sameLength.Chunk(options.BatchSize))
            {
                var results = generator.GenerateBatch([.. batch.Select(i => promptIds[i])], genOptions);
                for (var b = 0; b < batch.Length; b++) outputs[batch[b]] = results[b];
                done += batch.Length;
                progress?.Report(new EvaluationProgress(done, examples.Count));
            }
        var predictions = new List<InstancePrediction>(examples.Count);
        double total = 0;
        var contextFull = new List<string>();
        for (var i = 0; i < examples.Count; i++)
        {
            var ex = examples[i];
            var prompt = prompts[i];
            var generated = outputs[i];
            if (generated.StopReason == StopReason.ContextFull) contextFull.Add(ex.Id);
            var scored = task.Score(generated.Text, ex);
            var score = scored.Score ?? rouge!.Score(scored.Reference, scored.Prediction).FMeasure;
            total += score;
            var line = new JsonObject
            {
                ["id"] = ex.Id,
                ["gold"] = scored.Reference,
                ["prediction"] = scored.Prediction,
                ["correct"] = scored.Correct,
                ["score"] = score,
                ["text"] = generated.Text,
                ["stop_reason"] = generated.StopReason,
                ["input"] = prompt,
            };
            if (scored.Correct is null) line.Remove("correct");
            predictions.Add(new InstancePrediction(line, scored.Correct, score)
            {
                LogSample = GenerativeLogSample(i, ex, prompt, spec, genOptions.MaxNewTokens, generated.Text, scored.Prediction, score),
            });
        }
        var metrics = new Dictionary<string, double> { [spec.Metric] = total / examples.Count };
        IReadOnlyList<string> warnings = contextFull.Count == 0 ? [] :
        [
            $"{contextFull.Count} of {examples.Count} generations stopped because the context window "
            + $"(max_position_embeddings {model.Config.MaxPositions}) was full before {genOptions.MaxNewTokens} new tokens "
            + $"(\"stop_reason\": \"{StopReason.ContextFull}\"; first: id {contextFull[0]}); their predictions are cut short or empty",
        ];
        return new EvaluationSummary(task.Name, examples.Count, metrics, predictions) { Warnings = warnings };
    }

    /// <summary>
    /// A multiple-choice document as lm-eval logs it: one (context, " choice") request per choice, each response
    /// <c>[ll, is_greedy]</c>, filter <c>none</c>, acc (and acc_norm where the task reports it) as 1.0/0.0. The doc is the
    /// item as this task rendered it (<c>id</c>, <c>query</c> or per-choice <c>contexts</c>, <c>choices</c>, <c>gold</c>), so
    /// its doc_hash matches between our runs of the same data, not lm-eval's own dataset record.
    /// </summary>
    private static LmEvalLogSample MultipleChoiceLogSample(int docId, TaskExample ex, double[] ll, bool[] greedy, bool correct,
                                                           bool correctNorm, bool reportsAccNorm)
    {
        var doc = new JsonObject { ["id"] = ex.Id };
        if (ex.ChoiceContexts is null) doc["query"] = ex.Context;
        else doc["contexts"] = new JsonArray([.. ex.ChoiceContexts.Select(c => (JsonNode?)c)]);
        doc["choices"] = new JsonArray([.. ex.Choices.Select(c => (JsonNode?)(c.StartsWith(TaskExample.TargetDelimiter, StringComparison.Ordinal)
            ? c[TaskExample.TargetDelimiter.Length..] : c))]);
        doc["gold"] = ex.Gold;
        var requests = ex.Requests();
        var metrics = new List<KeyValuePair<string, double>> { new("acc", correct ? 1.0 : 0.0) };
        if (reportsAccNorm) metrics.Add(new("acc_norm", correctNorm ? 1.0 : 0.0));
        return new LmEvalLogSample(
            docId, doc, JsonValue.Create(ex.Gold),
            [.. requests.Select(r => (IReadOnlyList<JsonNode?>)[r.Context, r.Continuation])],
            new JsonArray([.. ll.Select((v, k) => (JsonNode?)new JsonArray(new JsonArray(v, greedy[k])))]),
            new JsonArray([.. ll.Select((v, k) => (JsonNode?)new JsonArray(v, greedy[k]))]),
            "none",
            metrics);
    }

    /// <summary>
    /// A generative document as lm-eval logs it: one (prompt, gen_kwargs) request, the generation as its response, the
    /// scored text after filter <see cref="ScoredFilter"/>, the task's metric (exact_match 1.0/0.0, rouge1 F). The doc is
    /// <c>id</c>, <c>prompt</c>, <c>target</c>.
    /// </summary>
    private static LmEvalLogSample GenerativeLogSample(int docId, TaskExample ex, string prompt, GenerationSpec spec, int maxNewTokens,
                                                       string generation, string scoredText, double score)
    {
        var doc = new JsonObject { ["id"] = ex.Id, ["prompt"] = prompt, ["target"] = ex.Target };
        var genKwargs = new JsonObject
        {
            ["until"] = new JsonArray([.. spec.StopSequences.Select(s => (JsonNode?)s)]),
            ["do_sample"] = false,
            ["max_gen_toks"] = maxNewTokens,
        };
        return new LmEvalLogSample(
            docId, doc, JsonValue.Create(ex.Target), [[prompt, genKwargs]],
            new JsonArray(new JsonArray(generation)), new JsonArray(scoredText), ScoredFilter, [new(spec.Metric, score)]);
    }

    /// <summary>Writes one JSON line per instance, atomically (a crash never leaves a partial predictions file).</summary>
    public static void WritePredictions(string path, EvaluationSummary summary)
    {
        var options = new JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
        var sb = new StringBuilder();
        foreach (var p in summary.Predictions) sb.Append(p.Line.ToJsonString(options)).Append('\n');
        AtomicFile.WriteAllText(path, sb.ToString());
    }
}
