using System.Text.Json.Nodes;
using Muscle.IO;
using Muscle.Training;
using static TorchSharp.torch;

namespace Muscle.Distillation;

// Shapes: N counted tokens of a micro-batch, V vocabulary, k cached entries per token.

/// <summary>
/// The teachers of a run, read from a teacher cache (<see cref="TeacherCache"/>): the choice scores, small, in memory;
/// the token part read per batch. Only the rows of the batch's items are
/// read, straight from the shard files into tensors (the OS page cache does the caching), so memory does not grow with
/// the data set. Item i's rows are contiguous and CausalBatch counts positions row-major over the items it is given, so
/// the rows of items [i1, i2, ...] concatenated in that order line up with <see cref="CausalBatch.CountedPositions"/>.
/// </summary>
public sealed class CachedTeachers : ITeacherSource, IDisposable
{
    private readonly List<(FileStream Stream, SafetensorsHeader Header)> _shards = [];
    private readonly Part _train, _valid;

    /// <param name="vocabSize">The teachers' vocabulary: every cached id must lie in [0, V).</param>
    internal CachedTeachers(string dir, JsonObject manifest, TeacherCacheStatus status, string? staleReason, int vocabSize)
    {
        Dir = dir;
        Status = status;
        StaleReason = staleReason;
        K = manifest["k_effective"]!.GetValue<int>();
        HasTokens = manifest[TeacherCacheManifest.TokensKey]?.GetValue<bool>() == true;
        if (manifest["choice_file"] is JsonObject choiceFile)
            ChoiceScores = TeacherCache.ReadChoiceScores(TeacherCacheManifest.FilePath(dir, choiceFile));
        _train = new Part(manifest["train_items"]!.GetValue<int>());
        _valid = new Part(manifest["valid_items"]!.GetValue<int>());
        try
        {
            foreach (var shard in manifest["shards"]!.AsArray())
            {
                var path = TeacherCacheManifest.FilePath(dir, shard);
                var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.RandomAccess);
                _shards.Add((stream, SafetensorsHeader.Parse(stream, stream.Length, path)));
                var part = shard!["split"]!.GetValue<string>() == "train" ? _train : _valid;
                var first = shard["first_item"]!.GetValue<int>();
                var items = shard["items"]!.GetValue<int>();
                if (first < 0 || items < 0 || first + items > part.Rows.Length)
                    throw Corrupt($"the manifest puts items {first}..{first + items} in it, but the split has {part.Rows.Length}", path);
                var offsets = Validate(_shards.Count - 1, items, vocabSize);
                for (var j = 0; j < items; j++)
                    part.Rows[first + j] = (_shards.Count - 1, offsets[j], (int)(offsets[j + 1] - offsets[j]));
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>
    /// Checks a shard when the cache is opened, one tensor at a time: every tensor present with one row per token,
    /// offsets from 0 rising to the row count, ids in [0, V), no NaN or +inf among the log-probabilities (−inf is a
    /// legal tail when k = V). A cache of the right size with bad bytes used to fail deep in training (an
    /// InvalidOperationException, a native LibTorch error, NaN losses blamed on the learning rate). Returns the offsets.
    /// </summary>
    private long[] Validate(int shard, int items, int vocabSize)
    {
        var header = _shards[shard].Header;
        var names = TeacherCache.Fields.SelectMany(f => new[] { $"old.{f}", $"new.{f}" }).Append("labels").Append("offsets");
        foreach (var name in names)
            if (!header.TryGetEntry(name, out var e) || e.Shape.Count == 0)
                throw Corrupt($"tensor '{name}' is missing or has no rows", header.Path);
        header.TryGetEntry("offsets", out var offsetsEntry);
        if (offsetsEntry.Shape[0] != items + 1 || offsetsEntry.DType != SafetensorsDType.I64)
            throw Corrupt($"'offsets' is {offsetsEntry.DType} {offsetsEntry.ShapeText}, expected I64 [{items + 1}] for {items} items", header.Path);
        header.TryGetEntry("labels", out var labelsEntry);
        var rows = labelsEntry.Shape[0];
        long[] offsets;
        using (var t = ReadRows(shard, "offsets", 0, items + 1))
            offsets = t.data<long>().ToArray();
        if (offsets[0] != 0) throw Corrupt($"'offsets' starts at {offsets[0]}, not 0", header.Path);
        for (var j = 0; j < items; j++)
            if (offsets[j + 1] < offsets[j] || offsets[j + 1] > rows)
                throw Corrupt($"'offsets' is not rising within [0, {rows}]: item {j} runs from row {offsets[j]} to {offsets[j + 1]}", header.Path);
        if (offsets[items] != rows) throw Corrupt($"'offsets' ends at {offsets[items]} but the shard holds {rows} rows", header.Path);

        foreach (var name in names.Where(n => n != "offsets"))
        {
            header.TryGetEntry(name, out var entry);
            if (entry.Shape[0] != rows)
                throw Corrupt($"tensor '{name}' has {entry.Shape[0]} rows, 'labels' has {rows}", header.Path);
            using var scope = NewDisposeScope();
            var t = ReadRows(shard, name, 0, rows);
            // One host sync per tensor, once per run: the cost of reading the cache once more.
            if (t.is_floating_point())
            {
                var bad = t.isnan().logical_or(t.isposinf());
                if (bad.any().item<bool>())
                    throw Corrupt($"tensor '{name}' holds NaN or +inf (first at element {bad.flatten().nonzero()[0].item<long>()})", header.Path);
            }
            else
            {
                var outside = t.lt(0).logical_or(t.ge(vocabSize));
                if (outside.any().item<bool>())
                {
                    var at = outside.flatten().nonzero()[0].item<long>();
                    throw Corrupt($"tensor '{name}' holds id {t.flatten()[at].to_type(ScalarType.Int64).item<long>()} outside the vocabulary [0, {vocabSize}) (element {at})", header.Path);
                }
            }
        }
        return offsets;
    }

    private static Infrastructure.MuscleInputException Corrupt(string what, string file) =>
        new($"teacher cache is corrupt: {what}; delete the cache directory to rebuild it", file);

    public string Dir { get; }
    public TeacherCacheStatus Status { get; }

    /// <summary>The manifest key that differed when the cache was rebuilt; null otherwise.</summary>
    public string? StaleReason { get; }

    /// <summary>Top-k entries kept per token (the requested k, capped at V).</summary>
    public int K { get; }

    /// <summary>Whether the token-level part was built (else <see cref="Teachers"/> refuses).</summary>
    public bool HasTokens { get; }

    /// <summary>Both teachers' per-choice scores, when the cache was built for a choice-level run; else null.</summary>
    public TeacherChoiceScores? ChoiceScores { get; }

    public (ITeacherTokens? Old, ITeacherTokens? New) Teachers(CausalBatch batch, IReadOnlyList<int> items, bool training,
                                                                bool needOld, bool needNew)
    {
        if (!HasTokens) throw new InvalidOperationException($"the teacher cache in {Dir} was built without its token-level part");
        var part = training ? _train : _valid;
        var rows = items.Sum(i => (long)part.Rows[i].Count);
        if (rows != batch.CountedTokens)
            throw new InvalidOperationException($"teacher cache holds {rows} rows for these items, the batch counts {batch.CountedTokens} tokens");
        var device = batch.InputIds.device;
        return (needOld ? Read(part, items, "old", device) : null, needNew ? Read(part, items, "new", device) : null);
    }

    /// <summary>[N] the cached next-token labels of these items, in batch order (to check alignment).</summary>
    public Tensor Labels(bool training, IReadOnlyList<int> items) => Gather(training ? _train : _valid, items, "labels");

    private CachedTeacherTokens Read(Part part, IReadOnlyList<int> items, string teacher, Device device)
    {
        using var scope = NewDisposeScope();
        var t = TeacherCache.Fields.Select(f => Gather(part, items, $"{teacher}.{f}")).ToArray();
        return new CachedTeacherTokens(
            t[0].to(ScalarType.Int64, device).MoveToOuterDisposeScope(),
            t[1].to(ScalarType.Float32, device).MoveToOuterDisposeScope(),
            t[2].to(device).MoveToOuterDisposeScope(),
            t[3].to(ScalarType.Int64, device).MoveToOuterDisposeScope(),
            t[4].to(device).MoveToOuterDisposeScope());
    }

    /// <summary>Rows of <paramref name="name"/> for the items, concatenated in item order, on the CPU.</summary>
    private Tensor Gather(Part part, IReadOnlyList<int> items, string name)
    {
        var total = items.Sum(i => (long)part.Rows[i].Count);
        var header = _shards.Count > 0 ? _shards[0].Header : null;
        if (header is null || !header.TryGetEntry(name, out var entry))
            throw new InvalidOperationException($"the teacher cache in {Dir} has no tensor '{name}'");
        var result = empty([total, .. entry.Shape.Skip(1)], dtype: Safetensors.ToScalarType(entry.DType));
        long at = 0;
        foreach (var i in items)
        {
            var (shard, row, count) = part.Rows[i];
            if (count == 0) continue;
            using var slice = result.narrow(0, at, count);
            ReadInto(shard, name, row, slice);
            at += count;
        }
        return result;
    }

    private Tensor ReadRows(int shard, string name, long row, long count)
    {
        _shards[shard].Header.TryGetEntry(name, out var entry);
        var result = empty([count, .. entry.Shape.Skip(1)], dtype: Safetensors.ToScalarType(entry.DType));
        ReadInto(shard, name, row, result);
        return result;
    }

    /// <summary>Reads rows [row, row + target.shape[0]) of a tensor of a shard straight into <paramref name="target"/>'s memory.</summary>
    private void ReadInto(int shard, string name, long row, Tensor target)
    {
        var (stream, header) = _shards[shard];
        if (!header.TryGetEntry(name, out var entry))
            throw new InvalidOperationException($"{header.Path} has no tensor '{name}'");
        var rowBytes = entry.ByteLength / entry.Shape[0];
        var offset = header.DataOffset + entry.Begin + row * rowBytes;
        var span = target.bytes;
        if (span.Length != target.shape[0] * rowBytes || row + target.shape[0] > entry.Shape[0])
            throw new InvalidOperationException($"rows {row}..{row + target.shape[0]} of '{name}' do not fit {header.Path}");
        while (!span.IsEmpty)
        {
            var got = RandomAccess.Read(stream.SafeFileHandle, span, offset);
            if (got == 0) throw new Infrastructure.MuscleInputException($"teacher cache file truncated (tensor '{name}')", header.Path);
            offset += got;
            span = span[got..];
        }
    }

    public void Dispose()
    {
        foreach (var (stream, _) in _shards) stream.Dispose();
        _shards.Clear();
    }

    /// <summary>Where each item of a split lives: shard, first row, row count.</summary>
    private sealed class Part(int items)
    {
        public (int Shard, long Row, int Count)[] Rows { get; } = new (int, long, int)[items];
    }
}
