using System.Text.Json.Nodes;
using Muscle.Adapters;
using Muscle.Events;
using Muscle.IO;
using Muscle.Infrastructure;
using Muscle.Models;
using Muscle.Training;
using static TorchSharp.torch;

namespace Muscle.Distillation;

// Shapes: N counted tokens of a batch, V vocabulary, k cached entries per token (k = min(--teacher-cache-k, V)).

/// <summary>
/// <c>--teacher-cache DIR</c>: one pass runs both frozen teachers (old base + old adapter, new base +
/// new task adapter) over every training and validation sequence and keeps, per counted token (CausalBatch's counting
/// for the run's LossOn) and per teacher: the top-k token ids and their log-probabilities at T, the log of the tail
/// mass at T, the argmax and log p(y) at T = 1; for choice-level strategies, every item's per-choice scores
/// s_k = Σ log p(choice-k tokens | context). Training then holds only the student.
/// <para>Layout: <c>manifest.json</c>; the token part, shard files <c>{train|valid}-NNNNN.safetensors</c>, each holding
/// whole items in item order, their rows contiguous: <c>offsets</c> [items + 1] (row of each item), <c>labels</c> [rows]
/// and per teacher <c>{old|new}.ids</c> [rows, k] I32, <c>.logprobs</c> [rows, k] F32/BF16, <c>.log_tail</c> [rows] F32,
/// <c>.argmax</c> [rows] I32, <c>.label_logprob</c> [rows] F32; the choice part, <c>choices.safetensors</c> with
/// <c>{train|valid}.offsets</c> [items + 1] I64 and <c>{old|new}.{train|valid}</c> [choices] F64 — the scores of
/// <see cref="TeacherChoiceScores.Compute"/> unrounded, so cached and exact choice-level training are bit-identical.</para>
/// <para>Stale caches (any manifest key differs: models, adapters, dtype, T, k, value type, LossOn, max-seq-len, the
/// token ids of the sequences and choices) are rebuilt, not refused: the directory is derived data. A cache lacking a
/// part the run needs is rebuilt with that part and the ones it had. A non-empty directory without a manifest is
/// refused, so a mistyped path never deletes someone's files.</para>
/// </summary>
public static class TeacherCache
{
    public static readonly string[] Fields = ["ids", "logprobs", "log_tail", "argmax", "label_logprob"];

    public const string ChoiceFileName = "choices.safetensors";

    /// <summary>
    /// Reuses the cache in <paramref name="options"/>.Dir if its manifest matches this run and holds the parts it needs,
    /// else (re)builds it: loads the old task model with <paramref name="loadOld"/> (default: from <paramref name="models"/>),
    /// checks the shared vocabulary, runs both teachers once, and disposes the old model before returning.
    /// </summary>
    /// <param name="newModel">The new base with its task adapter (the new teacher); the adapter is left active.</param>
    /// <param name="choices">Choice-level runs: the items' choice sequences to score (the choice part); null: none.</param>
    /// <param name="tokens">Whether the run needs the token-level part (token-level strategies, <c>--with-token-loss</c>).</param>
    public static CachedTeachers Open(TeacherCacheOptions options, UpdatePair models, TaskModel newModel, TokenizedSplit split,
                                      int maxSeqLen, int batchSize, double temperature, ScalarType dtype,
                                      IProgress<RunEvent>? progress = null, Func<TaskModel>? loadOld = null,
                                      ChoiceSequences? choices = null, bool tokens = true)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        if (newModel.Adapter is null) throw new ArgumentException("the new teacher needs its task adapter", nameof(newModel));
        var dir = Path.GetFullPath(options.Dir);
        var key = TeacherCacheManifest.Key(models, split, maxSeqLen, temperature, options, dtype);
        var choiceHash = choices is null ? null : TeacherCacheManifest.ChoicesHash(choices);
        var hasManifest = File.Exists(Path.Combine(dir, TeacherCacheManifest.FileName));
        if (!hasManifest && Directory.Exists(dir) && Directory.EnumerateFileSystemEntries(dir).Any())
            throw new MuscleInputException(
                $"--teacher-cache directory is not empty and holds no teacher cache ({TeacherCacheManifest.FileName}): give a new or empty directory", dir);

        string? stale = null;
        if (hasManifest)
        {
            var found = TeacherCacheManifest.TryRead(dir);
            var differs = found is null ? TeacherCacheManifest.FileName : TeacherCacheManifest.Difference(key, found);
            stale = differs ?? MissingPart(found!, tokens, choiceHash) ?? MissingShard(dir, found!);
            if (stale is null)
            {
                progress?.Report(new TeacherCacheReady(TeacherCacheStatus.Reused, dir));
                return new CachedTeachers(dir, found!, TeacherCacheStatus.Reused, null, newModel.Model.Config.VocabSize);
            }
            // Same run, a part missing: keep the token part it had, so runs needing different parts stop rebuilding in turn.
            if (differs is null && HasTokens(found!)) tokens = true;
            progress?.Report(new TeacherCacheRebuilding(dir, stale));
        }

        var load = loadOld ?? (() => TaskModel.Load(models.OldModelDir, models.OldAdapterDir, dtype, newModel.Model.Device()));
        JsonObject manifest;
        using (var oldModel = load())
        {
            UpdatePair.RequireSharedVocabulary(oldModel, newModel);
            manifest = Build(dir, key, options, oldModel, newModel, split, batchSize, temperature, progress, tokens, choices, choiceHash);
        } // the point of the cache: the old model is freed before training starts
        var status = hasManifest ? TeacherCacheStatus.Rebuilt : TeacherCacheStatus.Built;
        var parts = new List<string>();
        if (tokens)
            parts.Add($"{manifest["train_rows"]} training + {manifest["valid_rows"]} validation tokens, k = {manifest["k_effective"]}; " +
                      $"mean teacher mass outside the top k at T: old {manifest["mean_tail_mass"]!["old"]!.GetValue<double>():F3}, " +
                      $"new {manifest["mean_tail_mass"]!["new"]!.GetValue<double>():F3}");
        if (choices is not null) parts.Add($"choice scores of {choices.Train.Count} training + {choices.Valid.Count} validation items");
        progress?.Report(new TeacherCacheReady(status, dir, string.Join("; ", parts)));
        return new CachedTeachers(dir, manifest, status, stale, newModel.Model.Config.VocabSize);
    }

    private static bool HasTokens(JsonObject manifest) => manifest[TeacherCacheManifest.TokensKey]?.GetValue<bool>() == true;

    /// <summary>"tokens" or "choices" if the cache lacks a part the run needs (or holds other choices); else null.</summary>
    private static string? MissingPart(JsonObject manifest, bool tokens, string? choiceHash)
    {
        if (tokens && !HasTokens(manifest)) return "tokens";
        if (choiceHash is not null && manifest[TeacherCacheManifest.ChoicesKey]?.GetValue<string>() != choiceHash) return "choices";
        return null;
    }

    /// <summary>"shards" if a file the manifest lists is missing or has another size; else null.</summary>
    private static string? MissingShard(string dir, JsonObject manifest)
    {
        if (manifest["shards"] is not JsonArray shards) return "shards";
        foreach (var shard in shards.Append(manifest["choice_file"]).Where(f => f is not null))
        {
            var file = new FileInfo(TeacherCacheManifest.FilePath(dir, shard));
            if (!file.Exists || file.Length != shard!["bytes"]!.GetValue<long>()) return "shards";
        }
        return null;
    }

    private static JsonObject Build(string dir, JsonObject key, TeacherCacheOptions options, TaskModel oldModel, TaskModel newModel,
                                    TokenizedSplit split, int batchSize, double temperature, IProgress<RunEvent>? progress,
                                    bool withTokens, ChoiceSequences? choices, string? choiceHash)
    {
        var k = (int)Math.Min(options.K, newModel.Model.Config.VocabSize);
        var device = newModel.Model.Device();
        var newAdapter = newModel.Adapter!;
        newModel.Model.SetAdapter(newAdapter.Name);
        oldModel.Model.Module.train(false);
        newModel.Model.Module.train(false);
        var parts = withTokens ? new[] { ("train", split.Train), ("valid", split.Valid) } : [];
        var totalBatches = parts.Sum(p => (p.Item2.Count + batchSize - 1) / batchSize);
        var done = 0;
        var manifest = (JsonObject)key.DeepClone();
        var tailMass = new double[2];
        long tokens = 0;
        var shards = new JsonArray();
        AtomicFile.WriteDirectory(dir, tmp =>
        {
            if (choices is not null)
            {
                progress?.Report(new TeacherCacheBuilding(TeacherCachePart.Choices, 0, 1));
                var scores = TeacherChoiceScores.Compute(oldModel, newModel, choices, batchSize, split.PadId);
                var path = Path.Combine(tmp, ChoiceFileName);
                WriteChoiceScores(path, scores);
                manifest[TeacherCacheManifest.ChoicesKey] = choiceHash;
                manifest["choice_file"] = new JsonObject { ["file"] = ChoiceFileName, ["bytes"] = new FileInfo(path).Length };
            }
            newModel.Model.SetAdapter(newAdapter.Name);
            foreach (var (name, pairs) in parts)
            {
                var writer = new ShardWriter(tmp, name, options.ShardTokens, shards);
                foreach (var chunk in Enumerable.Range(0, pairs.Count).Chunk(batchSize))
                {
                    using var scope = NewDisposeScope();
                    using var _ = no_grad();
                    using var batch = CausalBatch.Build(chunk.Select(i => pairs[i]).ToList(), split.LossOn, split.PadId, device);
                    var labels = batch.CountedLabels();
                    var rows = new Dictionary<string, Tensor> { ["labels"] = labels.to_type(ScalarType.Int32).cpu() };
                    Summarise("old", oldModel.Model, batch, labels, temperature, k, options.ValueType, rows);
                    Summarise("new", newModel.Model, batch, labels, temperature, k, options.ValueType, rows);
                    // Host sync once per build batch: the tail mass says how much the truncation to k loses.
                    tailMass[0] += rows["old.log_tail"].exp().sum().item<float>();
                    tailMass[1] += rows["new.log_tail"].exp().sum().item<float>();
                    tokens += batch.CountedTokens;
                    writer.Add(batch.CountedPerSequence, rows);
                    done++;
                    progress?.Report(new TeacherCacheBuilding(TeacherCachePart.Tokens, done, totalBatches));
                }
                writer.Flush();
                manifest[$"{name}_rows"] = writer.TotalRows;
            }
            manifest[TeacherCacheManifest.TokensKey] = withTokens;
            manifest["k_effective"] = k;
            manifest["mean_tail_mass"] = new JsonObject
            {
                ["old"] = tailMass[0] / Math.Max(1, tokens), ["new"] = tailMass[1] / Math.Max(1, tokens),
            };
            manifest["shards"] = shards;
            AtomicFile.WriteAllText(Path.Combine(tmp, TeacherCacheManifest.FileName), TeacherCacheManifest.Serialize(manifest));
        });
        return manifest;
    }

    /// <summary>[item][choice] scores as flat F64 tensors with item offsets, one per teacher and split.</summary>
    private static void WriteChoiceScores(string path, TeacherChoiceScores scores)
    {
        using var scope = NewDisposeScope();
        var tensors = new Dictionary<string, Tensor>();
        foreach (var (split, old, neu) in new[] { ("train", scores.OldTrain, scores.NewTrain), ("valid", scores.OldValid, scores.NewValid) })
        {
            var offsets = new long[old.Length + 1];
            for (var i = 0; i < old.Length; i++) offsets[i + 1] = offsets[i] + old[i].Length;
            tensors[$"{split}.offsets"] = tensor(offsets);
            tensors[$"old.{split}"] = tensor(old.SelectMany(x => x).ToArray());
            tensors[$"new.{split}"] = tensor(neu.SelectMany(x => x).ToArray());
        }
        Safetensors.Save(path, tensors);
    }

    /// <summary>The scores <see cref="WriteChoiceScores"/> wrote, bit for bit.</summary>
    internal static TeacherChoiceScores ReadChoiceScores(string path)
    {
        using var scope = NewDisposeScope();
        var t = Safetensors.Load(path);
        double[][] Part(string teacher, string split)
        {
            var offsets = t[$"{split}.offsets"].data<long>().ToArray();
            var flat = t[$"{teacher}.{split}"].data<double>().ToArray();
            return [.. Enumerable.Range(0, offsets.Length - 1).Select(i => flat[(int)offsets[i]..(int)offsets[i + 1]])];
        }
        return new TeacherChoiceScores(Part("old", "train"), Part("new", "train"), Part("old", "valid"), Part("new", "valid"));
    }

    /// <summary>One teacher's per-token summary of a batch, as CPU tensors detached from the step's scope.</summary>
    private static void Summarise(string teacher, ICausalLM model, CausalBatch batch, Tensor labels, double temperature, int k,
                                  ScalarType valueType, Dictionary<string, Tensor> rows)
    {
        // DenseTeacherTokens gives the argmax and log p(y) exactly as exact mode computes them, so masks agree.
        var dense = new DenseTeacherTokens(batch.CountedLogits(model), labels, temperature);
        var logProbsT = (dense.Logits! / temperature).log_softmax(-1); // [N, V]
        var (values, ids) = logProbsT.topk(k, dim: -1);                // [N, k] each, descending
        // Tail mass as a log-sum-exp over the other entries: exact even when it is tiny (1 − Σ top-k would cancel).
        var logTail = logProbsT.scatter(1, ids, full_like(values, double.NegativeInfinity)).logsumexp(-1); // [N], −inf when k = V
        rows[$"{teacher}.ids"] = ids.to_type(ScalarType.Int32).cpu();
        rows[$"{teacher}.logprobs"] = values.to_type(valueType).cpu();
        rows[$"{teacher}.log_tail"] = logTail.cpu();
        rows[$"{teacher}.argmax"] = dense.Argmax.to_type(ScalarType.Int32).cpu();
        rows[$"{teacher}.label_logprob"] = dense.LabelLogProb.cpu();
    }

    /// <summary>Collects batches' rows of one split and writes a shard file whenever enough tokens have gathered.</summary>
    private sealed class ShardWriter(string dir, string split, int shardTokens, JsonArray shards)
    {
        private readonly List<Dictionary<string, Tensor>> _pending = [];
        private readonly List<long> _offsets = [0];
        private int _firstItem, _items, _index;

        public long TotalRows { get; private set; }

        public void Add(int[] countedPerItem, Dictionary<string, Tensor> rows)
        {
            foreach (var t in rows.Values) t.DetachFromDisposeScope();
            _pending.Add(rows);
            foreach (var c in countedPerItem) _offsets.Add(_offsets[^1] + c);
            _items += countedPerItem.Length;
            if (_offsets[^1] >= shardTokens) Flush();
        }

        public void Flush()
        {
            if (_items == 0) return;
            var file = $"{split}-{_index++:D5}.safetensors";
            var path = Path.Combine(dir, file);
            using (var scope = NewDisposeScope())
            {
                var tensors = _pending[0].Keys.ToDictionary(name => name, name => cat(_pending.Select(p => p[name]).ToList(), 0));
                tensors["offsets"] = tensor(_offsets.ToArray());
                Safetensors.Save(path, tensors);
            }
            foreach (var t in _pending.SelectMany(p => p.Values)) t.Dispose();
            shards.Add(new JsonObject
            {
                ["file"] = file, ["split"] = split, ["first_item"] = _firstItem, ["items"] = _items, ["rows"] = _offsets[^1],
                ["bytes"] = new FileInfo(path).Length,
            });
            TotalRows += _offsets[^1];
            _firstItem += _items;
            _items = 0;
            _pending.Clear();
            _offsets.RemoveRange(1, _offsets.Count - 1);
        }
    }
}
