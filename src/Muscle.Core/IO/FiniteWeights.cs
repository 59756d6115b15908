using Muscle.Infrastructure;
using static TorchSharp.torch;

namespace Muscle.IO;

/// <summary>
/// The load-time check that weights read from a file are finite. A NaN or infinite weight only shows up later as
/// NaN logits, and then the message can name neither the file nor the tensor (a NaN adapter looked like a broken base
/// model). transformers leaves this to the user; we check once per load, one host sync per floating-point tensor.
/// </summary>
public static class FiniteWeights
{
    /// <param name="what">How the message names a tensor, e.g. "weight" or "adapter weight".</param>
    public static void Check(IReadOnlyDictionary<string, Tensor> tensors, string file, string what = "weight")
    {
        foreach (var key in tensors.Keys.Order(StringComparer.Ordinal))
        {
            var t = tensors[key];
            if (!t.is_floating_point()) continue;
            using var scope = NewDisposeScope();
            if (t.isfinite().all().item<bool>()) continue; // host sync, once per tensor at load
            var nan = t.isnan().sum().item<long>();
            var inf = t.isinf().sum().item<long>();
            throw new MuscleInputException(
                $"{what} '{key}' holds non-finite values ({nan} NaN, {inf} infinite of {t.numel()})", file);
        }
    }
}
