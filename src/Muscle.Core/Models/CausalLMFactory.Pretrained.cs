using System.Text.RegularExpressions;
using Muscle.Configuration;
using Muscle.Infrastructure;
using Muscle.IO;
using static TorchSharp.torch;

namespace Muscle.Models;

public static partial class CausalLMFactory
{
    // Buffers older HF checkpoints carry but current HF models do not register (GPT-2's causal-mask
    // attn.bias / attn.masked_bias, Llama's rotary inv_freq). They hold no learned values.
    private static readonly Regex LegacyBufferKey = new(
        @"^(transformer\.h\.\d+\.attn\.(bias|masked_bias)|model\.layers\.\d+\.self_attn\.rotary_emb\.inv_freq)$",
        RegexOptions.CultureInvariant | RegexOptions.Compiled);

    /// <summary>True for checkpoint keys that <see cref="FromPretrained"/> drops before the strict load.</summary>
    public static bool IsLegacyBufferKey(string key) => LegacyBufferKey.IsMatch(key);

    /// <summary>
    /// Builds the model of <c>dir/config.json</c> on <paramref name="device"/> in <paramref name="dtype"/>, then
    /// strictly loads <c>dir</c>'s safetensors (single or sharded; values are converted in place). Any missing,
    /// unexpected or mis-shaped key is a <see cref="MuscleInputException"/> naming it; tied keys may be absent and
    /// legacy buffers (<see cref="IsLegacyBufferKey"/>) are skipped. The model is returned in train mode with
    /// gradients on: callers call eval() and freeze.
    /// </summary>
    public static ICausalLM FromPretrained(string dir, Device? device = null, ScalarType? dtype = null)
    {
        var configPath = Path.Combine(dir, "config.json");
        if (!File.Exists(configPath))
            throw new MuscleInputException(Conversion.Llama2cDirectory.ConversionHint(dir) ?? "model directory has no config.json", dir);
        var config = ModelConfigLoader.Load(configPath);
        var model = Create(config, device, dtype);
        try
        {
            var tensors = CheckpointFiles.LoadDirectory(dir, device);
            try
            {
                var source = tensors.Where(kv => !IsLegacyBufferKey(kv.Key))
                    .ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
                StateDictLoader.LoadStrict(model.Module, source, dir, strict: true, tiedKeys: model.TiedKeys);
            }
            finally
            {
                foreach (var t in tensors.Values) t.Dispose();
            }
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }
}
