using TorchSharp;
using static TorchSharp.torch;

namespace Muscle.Models;

// Shapes: per layer k, v [B, Hkv, S, D]; S grows by T on every forward.

/// <summary>
/// Keys and values of past positions, one pair per layer, for incremental decoding. The tensors live outside
/// every dispose scope (they must survive the forward that made them); dispose the cache when done.
/// </summary>
public sealed class KvCache : IDisposable
{
    private readonly Tensor?[] _keys;
    private readonly Tensor?[] _values;
    private bool _disposed;

    public KvCache(int numLayers)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(numLayers);
        _keys = new Tensor?[numLayers];
        _values = new Tensor?[numLayers];
    }

    public int NumLayers => _keys.Length;

    /// <summary>Cached positions. Advances only when the last layer appends, so it is stable during a forward.</summary>
    public int Length { get; private set; }

    /// <summary>Appends this step's k/v [B, Hkv, T, D] for <paramref name="layer"/> and returns all of them [B, Hkv, S, D].</summary>
    public (Tensor Keys, Tensor Values) Append(int layer, Tensor keys, Tensor values)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentOutOfRangeException.ThrowIfNegative(layer);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(layer, NumLayers);
        var k = Concat(_keys[layer], keys);
        var v = Concat(_values[layer], values);
        _keys[layer]?.Dispose();
        _values[layer]?.Dispose();
        _keys[layer] = k;
        _values[layer] = v;
        if (layer == NumLayers - 1) Length = (int)k.shape[2];
        // Callers may dispose what we return (their scope); hand out aliases so the cached tensors survive.
        return (k.alias(), v.alias());
    }

    /// <summary>
    /// Keeps batch rows <paramref name="index"/> [B'] int64 of every layer, in that order; repeats are allowed. Scoring
    /// uses it to run a shared context once and continue it for each of its B' continuations.
    /// </summary>
    public void SelectBatch(Tensor index)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        using var _ = torch.no_grad();
        for (var i = 0; i < NumLayers; i++)
        {
            if (_keys[i] is null) continue;
            var k = _keys[i]!.index_select(0, index).DetachFromDisposeScope();
            var v = _values[i]!.index_select(0, index).DetachFromDisposeScope();
            _keys[i]!.Dispose();
            _values[i]!.Dispose();
            _keys[i] = k;
            _values[i] = v;
        }
    }

    private static Tensor Concat(Tensor? past, Tensor next)
    {
        using var _ = torch.no_grad();
        var all = past is null ? next.detach().clone() : torch.cat([past, next.detach()], 2);
        return all.DetachFromDisposeScope();
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        for (int i = 0; i < NumLayers; i++)
        {
            _keys[i]?.Dispose();
            _values[i]?.Dispose();
            _keys[i] = _values[i] = null;
        }
    }
}
