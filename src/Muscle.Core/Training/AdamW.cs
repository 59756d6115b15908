using TorchSharp;
using Muscle.Modules;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Muscle.Training;

/// <summary>
/// AdamW with PyTorch's exact update rule (torch.optim.AdamW, single-tensor path). Our own because TorchSharp's
/// optimizer state cannot be saved to a file we control, and resume must restore it bitwise; moments are fp32
/// even for bf16 parameters.
/// </summary>
public sealed class AdamW : IDisposable
{
    private readonly Parameter[] _params;
    private readonly double[] _weightDecay;
    private readonly Tensor[] _expAvg;
    private readonly Tensor[] _expAvgSq;

    public AdamW(IEnumerable<Parameter> parameters, double lr, double weightDecay = 0.0,
                 double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8)
        : this(parameters.Select(p => (p, weightDecay)), lr, beta1, beta2, eps)
    {
    }

    /// <summary>
    /// One optimizer over parameters with their own weight decay (PyTorch's parameter groups); each parameter's update
    /// reads only its own state, so this equals one optimizer per group stepped together.
    /// </summary>
    public AdamW(IEnumerable<(Parameter Parameter, double WeightDecay)> parameters, double lr,
                 double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8)
    {
        var list = parameters.ToArray();
        _params = list.Select(p => p.Parameter).ToArray();
        _weightDecay = list.Select(p => p.WeightDecay).ToArray();
        if (_params.Length == 0) throw new ArgumentException("no trainable parameters", nameof(parameters));
        _expAvg = _params.Select(p => zeros_like(p, dtype: ScalarType.Float32).DetachFromDisposeScope()).ToArray();
        _expAvgSq = _params.Select(p => zeros_like(p, dtype: ScalarType.Float32).DetachFromDisposeScope()).ToArray();
        LearningRate = lr;
        Beta1 = beta1;
        Beta2 = beta2;
        Eps = eps;
    }

    public double LearningRate { get; set; }
    public double Beta1 { get; }
    public double Beta2 { get; }
    public double Eps { get; }

    /// <summary>Optimizer steps taken so far (PyTorch's per-parameter <c>step</c>, shared here).</summary>
    public long Step { get; private set; }

    public IReadOnlyList<Parameter> Parameters => _params;

    public void ZeroGrad()
    {
        foreach (var p in _params) p.grad?.zero_();
    }

    public void StepOnce()
    {
        Step++;
        var bc1 = 1 - Math.Pow(Beta1, Step);
        var bc2Sqrt = Math.Sqrt(1 - Math.Pow(Beta2, Step));
        var stepSize = LearningRate / bc1;
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        using Scalar beta1 = Beta1.ToScalar(), beta2 = Beta2.ToScalar(), oneMinusBeta1 = (1 - Beta1).ToScalar(),
            oneMinusBeta2 = (1 - Beta2).ToScalar(), bc2 = bc2Sqrt.ToScalar(), eps = Eps.ToScalar(), minusStep = (-stepSize).ToScalar();
        for (var i = 0; i < _params.Length; i++)
        {
            var p = _params[i];
            var g = p.grad;
            if (g is null) continue;
            var g32 = g.to_type(ScalarType.Float32);
            var p32 = p.dtype == ScalarType.Float32 ? p : p.to_type(ScalarType.Float32);
            // Every number as a Scalar that outlives the op (see Modules.KeptScalars); the same values as before.
            if (_weightDecay[i] != 0)
            {
                using var decay = (1 - LearningRate * _weightDecay[i]).ToScalar();
                p32.mul_(decay);
            }
            _expAvg[i].mul_(beta1).add_(g32, alpha: oneMinusBeta1);
            _expAvgSq[i].mul_(beta2).addcmul_(g32, g32, value: oneMinusBeta2);
            var denom = _expAvgSq[i].sqrt().div_(bc2).add_(eps, KeptScalars.One);
            p32.addcdiv_(_expAvg[i], denom, value: minusStep);
            if (!ReferenceEquals(p32, p)) p.copy_(p32);
        }
    }

    /// <summary>Moments and step as named tensors, for the resume checkpoint.</summary>
    public Dictionary<string, Tensor> StateTensors()
    {
        var d = new Dictionary<string, Tensor>();
        for (var i = 0; i < _params.Length; i++)
        {
            d[$"exp_avg.{i}"] = _expAvg[i];
            d[$"exp_avg_sq.{i}"] = _expAvgSq[i];
        }
        d["step"] = tensor(new[] { Step });
        return d;
    }

    public void LoadState(IReadOnlyDictionary<string, Tensor> state, string source)
    {
        using var _ = no_grad();
        for (var i = 0; i < _params.Length; i++)
        {
            if (!state.TryGetValue($"exp_avg.{i}", out var m) || !state.TryGetValue($"exp_avg_sq.{i}", out var v)
                || !m.shape.SequenceEqual(_expAvg[i].shape) || !v.shape.SequenceEqual(_expAvgSq[i].shape))
                throw new Infrastructure.MuscleInputException($"optimizer state does not fit the adapter (parameter {i})", source);
            _expAvg[i].copy_(m);
            _expAvgSq[i].copy_(v);
        }
        if (!state.TryGetValue("step", out var step)) throw new Infrastructure.MuscleInputException("optimizer state lacks 'step'", source);
        Step = step.item<long>();
    }

    public void Dispose()
    {
        foreach (var t in _expAvg.Concat(_expAvgSq)) t.Dispose();
    }
}
