using TorchSharp;
using Muscle.Modules;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Muscle.Adapters;

// Shapes: x [..., in], A [r, in], B [out, r], delta [..., out].

/// <summary>
/// One LoRA pair on a frozen linear layer: Δ(x) = B·A·dropout(x)·scaling, with PEFT's parameter names
/// (<c>lora_A.weight</c>, <c>lora_B.weight</c>). A is Kaiming-uniform (PEFT: a = √5, i.e. U(±1/√in)), B is zero, so a
/// fresh adapter leaves the base model's output unchanged. Registered in its <see cref="Muscle.Modules.AdaptableLinear"/>
/// under the adapter's name, so <c>lora_A</c>/<c>lora_B</c> appear as <c>&lt;path&gt;.adapters.&lt;name&gt;.lora_A.weight</c>.
/// </summary>
public sealed class LoraLayer : nn.Module<Tensor, Tensor>
{
    private readonly Linear lora_A;
    private readonly Linear lora_B;
    private readonly Scalar _scaling; // kept: see KeptScalars

    public LoraLayer(long inFeatures, long outFeatures, int rank, double scaling, double dropout, Generator? generator)
        : base(nameof(LoraLayer))
    {
        lora_A = nn.Linear(inFeatures, rank, hasBias: false);
        lora_B = nn.Linear(rank, outFeatures, hasBias: false);
        using (NewDisposeScope()) // uniform_ hands back a second handle to A; the scope frees it (A itself predates the scope)
        using (no_grad())
        {
            var bound = 1.0 / Math.Sqrt(inFeatures);
            lora_A.weight!.uniform_(-bound, bound, generator);
            lora_B.weight!.zero_();
        }
        Rank = rank;
        Scaling = scaling;
        _scaling = scaling.ToScalar();
        Dropout = dropout;
        RegisterComponents();
    }

    public int Rank { get; }
    public double Scaling { get; }
    public double Dropout { get; }
    public long InFeatures => lora_A.weight!.shape[1];
    public long OutFeatures => lora_B.weight!.shape[0];

    /// <summary>When false this layer adds nothing; the model-wide switch is <see cref="ModelAdapters.DisableAdapter"/>.</summary>
    public bool Enabled { get; set; } = true;

    public Parameter A => lora_A.weight!;
    public Parameter B => lora_B.weight!;

    public override Tensor forward(Tensor x)
    {
        if (!Enabled) return zeros(1, dtype: x.dtype, device: x.device);
        using var scope = NewDisposeScope();
        var h = Dropout > 0 && training ? nn.functional.dropout(x, Dropout, training: true) : x;
        if (h.dtype != A.dtype) h = h.to_type(A.dtype);
        var y = lora_B.forward(lora_A.forward(h)).mul(_scaling);
        if (y.dtype != x.dtype) y = y.to_type(x.dtype);
        return y.MoveToOuterDisposeScope();
    }

    /// <summary>The dense update ΔW = B·A·scaling in the base layer's own layout ([out, in], or [in, out] for Conv1D).</summary>
    public Tensor DeltaWeight(bool fanInFanOut)
    {
        using var scope = NewDisposeScope();
        var w = B.matmul(A).mul(Scaling);
        return (fanInFanOut ? w.t().contiguous() : w).MoveToOuterDisposeScope();
    }
}
