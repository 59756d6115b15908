using System.Globalization;
using System.Text.Json;
using Muscle.Adapters;
using Muscle.IO;
using Muscle.Infrastructure;
using Muscle.Models;
using Muscle.Training;
using static TorchSharp.torch;

namespace Muscle.Bench;

/// <summary>
/// The loss-curve target of docs/PERFORMANCE.md: fp32 LoRA training of llama-3.4m for 20 steps. Exports the initial base and
/// LoRA weights plus the batch to <c>init.safetensors</c> (HF and PEFT key names), so the PyTorch reference starts
/// from the same bits, and writes our per-step losses to <c>muscle_losses.json</c>.
/// </summary>
public static class LossCheck
{
    public const int Steps = 20;
    public const double Lr = 1e-3;

    public static void Run(BenchModel bm, string dir)
    {
        Directory.CreateDirectory(dir);
        manual_seed(42);
        using var model = CausalLMFactory.Create(bm.Config, dtype: ScalarType.Float32);
        model.Freeze();
        using var adapter = model.AddAdapter(TaskModel.AdapterName, Cases.Lora, 7);
        // Give B a non-zero start so step 1 already exercises both LoRA factors and the frozen path's gradients.
        using (no_grad()) foreach (var layer in adapter.Layers.Values) layer.B.normal_(0, 0.02);
        model.SetAdapter(adapter.Name);
        adapter.Train(true);
        var ids = BenchData.TrainIds(bm.Batch, bm.Seq, bm.Config.VocabSize);
        using var batch = TrainBatch.FromIds(ids, bm.Batch, bm.Seq);

        var export = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (k, v) in model.BaseStateDict()) export[k] = v;
        foreach (var (k, v) in adapter.StateDict()) export[k] = v;
        export["input_ids"] = batch.InputIds;
        Safetensors.Save(Path.Combine(dir, "init.safetensors"), export);

        using var opt = new AdamW(adapter.Parameters(), Lr);
        var losses = new List<double>();
        for (var i = 0; i < Steps; i++)
        {
            using var scope = NewDisposeScope();
            losses.Add(Cases.TrainStep(model, opt, batch).item<float>()); // host read per step: this is a check, not a timing
        }
        AtomicFile.WriteAllText(Path.Combine(dir, "muscle_losses.json"),
            JsonSerializer.Serialize(new { steps = Steps, lr = Lr, losses }));
        Console.WriteLine(string.Join(" ", losses.Select(l => l.ToString("F6", CultureInfo.InvariantCulture))));
    }
}
