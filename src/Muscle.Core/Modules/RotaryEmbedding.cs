using TorchSharp;
using Muscle.Configuration;
using static TorchSharp.torch;

namespace Muscle.Modules;

// Shapes: B batch, H heads, T new positions, D head dim, R rotary dim (R <= D, even).
// cos/sin: [T, R] fp32. Apply: x [B, H, T, D] -> [B, H, T, D], only the first R channels rotate.

/// <summary>
/// HF rotate-half RoPE. Not an nn.Module: it has no state dict entries (HF's legacy <c>inv_freq</c> buffer is
/// non-persistent), and keeping the frequencies as a managed array makes it follow any device and dtype.
/// </summary>
public sealed class RotaryEmbedding
{
    private readonly float[] _invFreq;

    public RotaryEmbedding(int rotaryDim, double theta, RopeScaling? scaling)
    {
        RotaryDim = rotaryDim;
        _invFreq = InverseFrequencies(rotaryDim, theta, scaling);
    }

    public int RotaryDim { get; }

    /// <summary>HF's inv_freq after rope_scaling, computed in fp32 as HF does.</summary>
    public static float[] InverseFrequencies(int dim, double theta, RopeScaling? scaling)
    {
        using var scope = torch.NewDisposeScope();
        var exponents = torch.arange(0, dim, 2, ScalarType.Int64).to_type(ScalarType.Float32) / dim;
        var invFreq = 1.0f / torch.pow(torch.tensor((float)theta), exponents);
        switch (scaling?.Kind ?? "default")
        {
            case "linear":
                invFreq = invFreq / (float)scaling!.Factor!.Value;
                break;
            case "llama3":
                invFreq = Llama3(invFreq, scaling!);
                break;
        }
        return invFreq.data<float>().ToArray();
    }

    // HF _compute_llama3_parameters: long wavelengths are slowed by `factor`, short ones kept, the band in
    // between blends the two.
    private static Tensor Llama3(Tensor invFreq, RopeScaling s)
    {
        double factor = s.Factor!.Value, low = s.LowFreqFactor!.Value, high = s.HighFreqFactor!.Value;
        double oldContext = s.OriginalMaxPositionEmbeddings!.Value;
        double lowFreqWavelen = oldContext / low, highFreqWavelen = oldContext / high;
        var wavelen = 2 * Math.PI / invFreq;
        var scaled = torch.where(wavelen > lowFreqWavelen, invFreq / factor, invFreq);
        var smooth = (oldContext / wavelen - low) / (high - low);
        var smoothed = (1 - smooth) * scaled / factor + smooth * scaled;
        var isMedium = (wavelen < highFreqWavelen).logical_not().logical_and((wavelen > lowFreqWavelen).logical_not());
        return torch.where(isMedium, smoothed, scaled);
    }

    /// <summary>cos and sin for positions start .. start+length-1, fp32 [T, R].</summary>
    public (Tensor Cos, Tensor Sin) CosSin(long start, long length, Device device)
    {
        using var scope = torch.NewDisposeScope();
        var invFreq = torch.tensor(_invFreq, device: device);
        var positions = torch.arange(start, start + length, 1, ScalarType.Int64, device).to_type(ScalarType.Float32);
        var freqs = torch.outer(positions, invFreq);                 // [T, R/2]
        var emb = torch.cat([freqs, freqs], -1);                     // [T, R]
        return (emb.cos().MoveToOuterDisposeScope(), emb.sin().MoveToOuterDisposeScope());
    }

    /// <summary>Rotates the first R channels of x in fp32 and casts back; the rest pass through (Phi's partial rotary).</summary>
    public static Tensor Apply(Tensor x, Tensor cos, Tensor sin)
    {
        using var scope = torch.NewDisposeScope();
        long r = cos.shape[^1], d = x.shape[^1];
        var rot = (r == d ? x : x.narrow(-1, 0, r)).to_type(ScalarType.Float32);
        var halves = rot.chunk(2, -1);
        var rotated = torch.cat([-halves[1], halves[0]], -1);        // rotate_half
        var y = KeptScalars.Add(rot * cos, rotated * sin).to_type(x.dtype);
        if (r != d) y = torch.cat([y, x.narrow(-1, r, d - r)], -1);
        return y.MoveToOuterDisposeScope();
    }
}
