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

    internal CachedTeachers(string dir, JsonObject manifest, TeacherCacheStatus status, string? staleReason)
    {
        Dir = dir;
        Status = status;
        StaleReason = staleReason;
        K = manifest["k_effective"]!.GetValue<int>();
        HasTokens = manifest[TeacherCacheManifest.TokensKey]?.GetValue<bool>() == true;
        if (manifest["choice_file"] is JsonObject choiceFile)
            ChoiceScores = TeacherCache.ReadChoiceScores(Path.Combine(dir, choiceFile["file"]!.GetValue<string>()));
        _train = new Part(manifest["train_items"]!.GetValue<int>());
        _valid = new Part(manifest["valid_items"]!.GetValue<int>());
        try
        {
            foreach (var shard in manifest["shards"]!.AsArray())
            {
                var path = Path.Combine(dir, shard!["file"]!.GetValue<string>());
                var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.RandomAccess);
                _shards.Add((stream, SafetensorsHeader.Parse(stream, stream.Length, path)));
                var part = shard["split"]!.GetValue<string>() == "train" ? _train : _valid;
                var first = shard["first_item"]!.GetValue<int>();
                var items = shard["items"]!.GetValue<int>();
                long[] offsets;
                using (var t = ReadRows(_shards.Count - 1, "offsets", 0, items + 1))
                    offsets = t.data<long>().ToArray();
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
