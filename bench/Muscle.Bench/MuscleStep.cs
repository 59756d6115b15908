using System.Diagnostics;
using System.Text.Json.Nodes;
using AdamW = Muscle.Training.AdamW;
using Muscle.Adapters;
using Muscle.Distillation;
using Muscle.IO;
using Muscle.Models;
using Muscle.Recipes;
using Muscle.Tokenization;
using Muscle.Training;
using static TorchSharp.torch;

namespace Muscle.Bench;

// Shapes: B batch, T sequence length, N counted tokens, V vocabulary.

/// <summary>
/// One MUSCLE optimizer step through the library's pieces, as CompatibilityObjective runs it: the teachers' view of the
/// batch (ITeacherSource), the student forward on the counted positions, CompatibilityLoss (strategy muscle, T = 2),
/// backward, AdamW. muscle-exact runs both teachers (old model with its task adapter, and the new task adapter swapped
/// onto the student's base, both under no_grad); muscle-cache reads them from a TeacherCache built before the timing.
/// </summary>
public static class MuscleStep
{
    private static readonly CompatibilityLossOptions Options = new() { Strategy = CompatibilityStrategies.Default, Temperature = 2.0 };

    public static Measurement Exact(BenchModel bm, ScalarType dtype)
    {
        manual_seed(43);
        using var oldModel = CausalLMFactory.Create(bm.Config, Cases.Device, dtype);
        oldModel.Freeze();
        using var oldAdapter = oldModel.AddAdapter(TaskModel.AdapterName, Cases.Lora, 1);
        oldModel.SetAdapter(oldAdapter.Name);
        manual_seed(42);
        using var newModel = CausalLMFactory.Create(bm.Config, Cases.Device, dtype);
        newModel.Freeze();
        using var newTask = newModel.AddAdapter(TaskModel.AdapterName, Cases.Lora, 2);
        using var student = newTask.Clone(CompatibilityTrainer.StudentAdapterName);
        var teachers = new ExactTeachers(oldModel, newModel, newTask.Name, student.Name, Options.Temperature);
        using var batch = CausalBatch.Build(Sequences(bm), LossOn.All, padId: 0, Cases.Device);
        return Measure("muscle-exact", bm, newModel, student, teachers, batch);
    }

    /// <summary>
    /// The same step with the teachers read from a teacher cache (top-k = 64 + tail). Both task models are written as HF
    /// directories (random weights, a byte-level tokenizer) because TeacherCache keys the cache on them; the cache is built
    /// once, before the timed steps, and the old model is not held while they run.
    /// </summary>
    public static Measurement Cached(BenchModel bm, ScalarType dtype)
    {
        var root = Directory.CreateTempSubdirectory("muscle-bench-").FullName;
        try
        {
            var oldDir = WriteTaskModel(bm, Path.Combine(root, "old"), seed: 43, adapterSeed: 1);
            var newDir = WriteTaskModel(bm, Path.Combine(root, "new"), seed: 42, adapterSeed: 2);
            var models = new UpdatePair(oldDir.Model, oldDir.Adapter, newDir.Model, newDir.Adapter);
            using var newTask = TaskModel.Load(newDir.Model, newDir.Adapter, dtype, Cases.Device);
            var sequences = Sequences(bm);
            var split = new TokenizedSplit(sequences, sequences.Take(1).ToList(), LossOn.All, padId: 0);
            using var cache = TeacherCache.Open(new TeacherCacheOptions(Path.Combine(root, "cache")), models, newTask, split,
                                                bm.Seq, bm.Batch, Options.Temperature, dtype,
                                                loadOld: () => TaskModel.Load(models.OldModelDir, models.OldAdapterDir, dtype, Cases.Device));
            using var student = newTask.Adapter!.Clone(CompatibilityTrainer.StudentAdapterName);
            using var batch = split.TrainBatch(Enumerable.Range(0, bm.Batch).ToList(), Cases.Device);
            return Measure("muscle-cache", bm, newTask.Model, student, cache, batch);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private static List<EncodedPair> Sequences(BenchModel bm)
    {
        var ids = BenchData.TrainIds(bm.Batch, bm.Seq, bm.Config.VocabSize);
        return Enumerable.Range(0, bm.Batch)
            .Select(b => new EncodedPair(ids.Skip(b * bm.Seq).Take(bm.Seq).Select(x => (int)x).ToArray(), 1)).ToList();
    }

    private static Measurement Measure(string name, BenchModel bm, ICausalLM newModel, LoraAdapter student, ITeacherSource teachers,
                                       CausalBatch batch)
    {
        newModel.SetAdapter(student.Name);
        student.Train(true);
        using var opt = new AdamW(student.Parameters(), Cases.TrainLr);
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
                newModel.SetAdapter(student.Name);
                var logits = batch.CountedLogits(newModel); // [N, V]
                var terms = CompatibilityLoss.Compute(logits, batch.CountedLabels(), batch.CountedSequence, batch.Sequences,
                                                      oldT!, newT!, Options);
                var loss = terms.Total / batch.CountedTokens;
                loss.backward();
                opt.StepOnce();
                opt.ZeroGrad();
                last?.Dispose();
                last = loss.detach().DetachFromDisposeScope();
                ComputeDevices.Synchronize(Cases.Device);
            }
            if (i >= Cases.TrainWarmup) seconds.Add(sw.Elapsed.TotalSeconds);
        }
        var cpu = Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds - cpu0;
        var peak = PeakMemory.PeakMiB();
        var check = last!.item<float>();
        last.Dispose();
        return new Measurement(name, (long)bm.Batch * bm.Seq, seconds, peak, check, cpu);
    }

    /// <summary>An HF base directory (config, weights, byte-level tokenizer) and a PEFT adapter directory beside it.</summary>
    private static (string Model, string Adapter) WriteTaskModel(BenchModel bm, string dir, int seed, int adapterSeed)
    {
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "config.json"), bm.ConfigJson);
        manual_seed(seed);
        using var model = CausalLMFactory.Create(bm.Config);
        using (var scope = NewDisposeScope())
            CheckpointFiles.SaveDirectory(dir, model.Module.state_dict().Where(p => !model.TiedKeys.Contains(p.Key))
                                                  .ToDictionary(p => p.Key, p => p.Value));
        WriteByteTokenizer(dir);
        var adapterDir = dir + "-adapter";
        using var adapter = model.AddAdapter(TaskModel.AdapterName, Cases.Lora, adapterSeed);
        adapter.Save(adapterDir);
        return (dir, adapterDir);
    }

    /// <summary>A byte-level BPE tokenizer.json without merges (256 tokens): the cache only needs one the model's vocabulary covers.</summary>
    private static void WriteByteTokenizer(string dir)
    {
        // GPT-2's byte → printable character map: printable Latin-1 bytes stand for themselves, the rest get 256, 257, ...
        var vocab = new JsonObject();
        var shifted = 0;
        for (var b = 0; b < 256; b++)
        {
            var printable = b is >= 33 and <= 126 or >= 161 and <= 172 or >= 174;
            vocab[((char)(printable ? b : 256 + shifted++)).ToString()] = b;
        }
        var byteLevel = new JsonObject { ["type"] = "ByteLevel", ["add_prefix_space"] = false, ["trim_offsets"] = true, ["use_regex"] = true };
        var json = new JsonObject
        {
            ["version"] = "1.0",
            ["added_tokens"] = new JsonArray(),
            ["pre_tokenizer"] = byteLevel,
            ["decoder"] = byteLevel.DeepClone(),
            ["model"] = new JsonObject { ["type"] = "BPE", ["vocab"] = vocab, ["merges"] = new JsonArray() },
        };
        File.WriteAllText(Path.Combine(dir, "tokenizer.json"), json.ToJsonString());
    }
}
