using System.Text.Json;
using Muscle.Configuration;

namespace Muscle.Bench;

/// <summary>
/// One named size from bench/models.json: the HF config both implementations build, and the workload sizes.
/// The PyTorch reference reads the same file, so both sides always measure the same model.
/// </summary>
/// <param name="ConfigJson">The config's JSON text, for cases that write an HF model directory.</param>
public sealed record BenchModel(string Name, ModelConfig Config, string ConfigJson, int Batch, int Seq, int TrainSteps, int McItems, int McContext)
{
    public static BenchModel Load(string modelsJson, string name)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(modelsJson));
        if (!doc.RootElement.TryGetProperty(name, out var m))
            throw new ArgumentException(
                $"unknown model '{name}' (known: {string.Join(", ", doc.RootElement.EnumerateObject().Select(p => p.Name))})");
        var json = m.GetProperty("config").GetRawText();
        var config = ModelConfigLoader.Parse(json, modelsJson);
        return new BenchModel(name, config, json, m.GetProperty("batch").GetInt32(), m.GetProperty("seq").GetInt32(),
            m.GetProperty("train_steps").GetInt32(), m.GetProperty("mc_items").GetInt32(), m.GetProperty("mc_context").GetInt32());
    }
}

/// <summary>
/// Deterministic token ids from closed formulas (no RNG), so the reference builds exactly the same inputs.
/// Keep in sync with bench/pytorch/reference.py.
/// </summary>
public static class BenchData
{
    public const int McChoices = 4;
    public const int PromptLength = 16;
    public const int NewTokens = 256;

    /// <summary>Training ids [B, T] flattened row-major; ids avoid 0 (pad).</summary>
    public static long[] TrainIds(int batch, int seq, int vocab)
    {
        var ids = new long[batch * seq];
        for (var b = 0; b < batch; b++)
            for (var t = 0; t < seq; t++)
                ids[b * seq + t] = 1 + ((long)b * 131 + (long)t * t * 7 + t * 31 + 17) % (vocab - 1);
        return ids;
    }

    /// <summary>Multiple-choice requests: item i has a shared context and 4 continuations of 4..11 tokens.</summary>
    public static List<(int[] Ids, int ContextLength)> McRequests(int items, int context, int vocab)
    {
        var list = new List<(int[], int)>();
        for (var i = 0; i < items; i++)
        {
            var ctx = Enumerable.Range(0, context).Select(j => 1 + (i * 977 + j * 7919 + 13) % (vocab - 1)).ToArray();
            for (var c = 0; c < McChoices; c++)
            {
                var len = 4 + (i * 3 + c * 5) % 8;
                var cont = Enumerable.Range(0, len).Select(j => 1 + (i * 31 + c * 4099 + j * 613 + 5) % (vocab - 1));
                list.Add(([.. ctx, .. cont], context));
            }
        }
        return list;
    }

    public static int[] Prompt(int vocab) => Enumerable.Range(0, PromptLength).Select(j => 1 + (j * 7919 + 13) % (vocab - 1)).ToArray();
}
