using Muscle.Infrastructure;
using static TorchSharp.torch;

namespace Muscle.IO;

/// <summary>What <see cref="StateDictLoader.LoadStrict"/> did.</summary>
/// <param name="Loaded">Module entries copied from the source.</param>
/// <param name="SkippedTiedKeys">Tied module keys absent from the source, left to share their twin's values.</param>
/// <param name="IgnoredUnexpectedKeys">Source keys the module lacks; only non-empty when strict is off.</param>
public sealed record LoadReport(int Loaded, IReadOnlyList<string> SkippedTiedKeys, IReadOnlyList<string> IgnoredUnexpectedKeys);

/// <summary>
/// Copies checkpoint tensors into a module's existing parameters and persistent buffers, after checking that
/// the key sets and shapes agree. Values are copied in place (with dtype and device conversion), so Parameter
/// objects, tied parameters and optimizer references stay valid.
/// </summary>
public static class StateDictLoader
{
    /// <param name="sourceDescription">Shown as the file of every error, e.g. the model directory.</param>
    /// <param name="strict">When true, a source key the module lacks is an error; when false it is reported.</param>
    /// <param name="tiedKeys">Module keys that may be absent from the source because they share storage with
    /// another key (e.g. <c>lm_head.weight</c> tied to <c>model.embed_tokens.weight</c>).</param>
    public static LoadReport LoadStrict(nn.Module module, IReadOnlyDictionary<string, Tensor> source, string sourceDescription,
        bool strict = true, IEnumerable<string>? tiedKeys = null)
    {
        var target = module.state_dict();
        var tied = new HashSet<string>(tiedKeys ?? [], StringComparer.Ordinal);
        foreach (var key in tied.Where(k => !target.ContainsKey(k)).OrderBy(k => k, StringComparer.Ordinal))
            throw new ArgumentException($"tied key '{key}' is not a key of the module", nameof(tiedKeys));

        var problems = new List<string>();
        var skipped = new List<string>();
        var toCopy = new List<(Tensor Target, Tensor Source)>();
        foreach (var (key, parameter) in target)
        {
            if (!source.TryGetValue(key, out var value))
            {
                if (tied.Contains(key)) skipped.Add(key);
                else problems.Add($"missing weight '{key}'");
                continue;
            }
            if (!value.shape.SequenceEqual(parameter.shape))
            {
                problems.Add($"weight '{key}' has shape {SafetensorsEntry.FormatShape(value.shape)} in the checkpoint " +
                             $"but the model expects {SafetensorsEntry.FormatShape(parameter.shape)}");
                continue;
            }
            toCopy.Add((parameter, value));
        }

        var unexpected = source.Keys.Where(k => !target.ContainsKey(k)).OrderBy(k => k, StringComparer.Ordinal).ToList();
        if (strict)
            problems.AddRange(unexpected.Select(k => $"unexpected weight '{k}' (the model has no parameter or buffer of that name)"));

        if (problems.Count > 0)
        {
            var more = problems.Count == 1 ? "" : $" (and {problems.Count - 1} more: {string.Join("; ", problems.Skip(1).Take(5))}{(problems.Count > 6 ? "; …" : "")})";
            throw new MuscleInputException(problems[0] + more, file: sourceDescription);
        }

        using (NewDisposeScope())
        using (no_grad())
        {
            foreach (var (parameter, value) in toCopy)
                parameter.copy_(value);
        }
        return new LoadReport(toCopy.Count, skipped, strict ? [] : unexpected);
    }
}
