using System.Diagnostics;
using Muscle.Adapters;
using Muscle.Models;
using Muscle.Tokenization;
using Muscle.Training;
using Muscle.Training.Losses;
using static TorchSharp.torch;
using AdamW = Muscle.Training.AdamW;

namespace Muscle.Bench;

// Shapes: B batch, T sequence length, N counted tokens, V vocabulary.

/// <summary>
/// One MUSCLE optimizer step through the library's pieces, as CompatibilityObjective runs it: ExactTeachers (old model
/// with its task adapter, and the new task adapter swapped onto the student's base, both under no_grad), the student
/// forward on the counted positions, CompatibilityLoss (strategy muscle, T = 2), backward, AdamW.
/// </summary>
public static class MuscleStep
{
    public static Measurement Exact(BenchModel bm, ScalarType dtype)
    {
        manual_seed(43);
        using var oldModel = CausalLMFactory.Create(bm.Config, dtype: dtype);
        oldModel.Freeze();
        using var oldAdapter = LoraAdapter.Create(oldModel, Cases.Lora, 1);
        oldAdapter.AttachTo(oldModel);
        manual_seed(42);
        using var newModel = CausalLMFactory.Create(bm.Config, dtype: dtype);
        newModel.Freeze();
        using var newTask = LoraAdapter.Create(newModel, Cases.Lora, 2);
        using var student = newTask.Clone();
        student.AttachTo(newModel);
        student.Train(true);
        var options = new CompatibilityLossOptions { Strategy = CompatibilityStrategy.Muscle, Temperature = 2.0 };
        var teachers = new ExactTeachers(oldModel, newModel, newTask, student, options.Temperature);
        using var opt = new AdamW(student.Parameters(), Cases.TrainLr);

        var ids = BenchData.TrainIds(bm.Batch, bm.Seq, bm.Config.VocabSize);
        var sequences = Enumerable.Range(0, bm.Batch)
            .Select(b => new EncodedPair(ids.Skip(b * bm.Seq).Take(bm.Seq).Select(x => (int)x).ToArray(), 1)).ToList();
        using var batch = CausalBatch.Build(sequences, LossOn.All, padId: 0, CPU);
        var items = Enumerable.Range(0, bm.Batch).ToList();

        var seconds = new List<double>();
        double cpu0 = 0;
        Tensor? last = null;
        for (var i = 0; i < Cases.TrainWarmup + bm.TrainSteps; i++)
        {
            if (i == Cases.TrainWarmup)
            {
                PeakMemory.Reset();
                cpu0 = Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds;
            }
            var sw = Stopwatch.StartNew();
            using (var scope = NewDisposeScope())
            {
                var (oldT, newT) = teachers.Teachers(batch, items, training: true, needOld: true, needNew: true);
                student.AttachTo(newModel);
                var logits = ExactTeachers.CountedLogits(newModel, batch); // [N, V]
                var terms = CompatibilityLoss.Compute(logits, batch.CountedLabels(), batch.CountedSequence, batch.Sequences,
                                                      oldT!, newT!, options);
                var loss = terms.Total / batch.CountedTokens;
                loss.backward();
                opt.StepOnce();
                opt.ZeroGrad();
                last?.Dispose();
                last = loss.detach().DetachFromDisposeScope();
            }
            if (i >= Cases.TrainWarmup) seconds.Add(sw.Elapsed.TotalSeconds);
        }
        var cpu = Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds - cpu0;
        var peak = PeakMemory.PeakMiB();
        var check = last!.item<float>();
        last.Dispose();
        return new Measurement("muscle-exact", (long)bm.Batch * bm.Seq, seconds, peak, check, cpu);
    }
}
