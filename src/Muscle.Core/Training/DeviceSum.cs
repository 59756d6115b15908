using static TorchSharp.torch;

namespace Muscle.Training;

/// <summary>
/// A running sum that stays on the device: <see cref="Add"/> never reads back to the host; <see cref="Take"/> does,
/// once, and resets. Training loops log through it so the only host sync is at the log interval.
/// </summary>
public sealed class DeviceSum : IDisposable
{
    private Tensor? _sum;

    public bool IsEmpty => _sum is null;

    public void Add(Tensor value)
    {
        using var scope = NewDisposeScope();
        var next = _sum is null ? value.detach().clone() : _sum + value.detach();
        _sum?.Dispose();
        _sum = next.DetachFromDisposeScope();
    }

    /// <summary>The sum so far (0 when nothing was added), read back to the host; the sum starts again from zero.</summary>
    public double Take()
    {
        if (_sum is null) return 0;
        using var scope = NewDisposeScope();
        var value = _sum.to_type(ScalarType.Float64).item<double>(); // host sync point
        _sum.Dispose();
        _sum = null;
        return value;
    }

    public void Dispose()
    {
        _sum?.Dispose();
        _sum = null;
    }
}
