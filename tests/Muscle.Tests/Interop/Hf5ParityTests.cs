using System.Text.Json;
using System.Text.Json.Nodes;
using Muscle.Cli.Infrastructure;
using Muscle.Models;
using Muscle.Tokenization;
using static TorchSharp.torch;

namespace Muscle.Tests.Interop;

/// <summary>
/// Checkpoints as transformers 5.17 and PEFT 0.21 write them (../shared/data/hf5: sharded safetensors, the
/// transformers-5 config.json with <c>rope_parameters</c> and <c>dtype</c>, tokenizer.json, PEFT adapters), scored
/// through the CLI a user runs, against what transformers + PEFT computed on the same files (reference.json):
/// per-choice log-likelihoods within 1e-4 (1e-3 with the adapter) and the 20 greedy ids equal.
/// </summary>
public class Hf5ParityTests
{
    public static IEnumerable<object[]> Models() => [["llama3"], ["mistral"], ["gpt2"]];

    private static JsonElement Reference(string model)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(SharedData.Path("hf5", "reference.json")));
        return doc.RootElement.GetProperty(model).Clone();
    }

    private static (int Code, string Out, string Err) Cli(params string[] args)
    {
        var (o, e) = (new StringWriter(), new StringWriter());
        return (MuscleApp.Run(args, o, e), o.ToString(), e.ToString());
    }

    [SharedDataTheory("hf5", "reference.json")]
    [MemberData(nameof(Models))]
    public void PerChoiceLogLikelihoodsMatchTransformersAndPeft(string model)
    {
        var reference = Reference(model);
        var dir = Directory.CreateTempSubdirectory("muscle-hf5-").FullName;
        try
        {
            foreach (var (withAdapter, key, bound) in new[] { (false, "base_ll", 1e-4), (true, "adapter_ll", 1e-3) })
            {
                var outFile = Path.Combine(dir, $"{key}.jsonl");
                string[] args = ["eval", "--model", SharedData.Path("hf5", model, "model"), "--task", "jsonl-mc",
                                 "--data", SharedData.Path("hf5", "mc.jsonl"), "--out", outFile];
                if (withAdapter) args = [.. args, "--adapter", SharedData.Path("hf5", model, "adapter")];
                var (code, _, err) = Cli(args);
                Assert.True(code == 0, err);
                var lines = File.ReadAllLines(outFile);
                Assert.Equal(reference.GetProperty(key).EnumerateObject().Count(), lines.Length);
                double worst = 0;
                foreach (var line in lines)
                {
                    var row = JsonNode.Parse(line)!;
                    var expected = reference.GetProperty(key).GetProperty(row["id"]!.GetValue<string>()).EnumerateArray().Select(e => e.GetDouble()).ToArray();
                    var actual = row["logprobs"]!.AsArray().Select(v => v!.GetValue<double>()).ToArray();
                    Assert.Equal(expected.Length, actual.Length);
                    worst = Math.Max(worst, expected.Zip(actual, (a, b) => Math.Abs(a - b)).Max());
                }
                Assert.True(worst <= bound, $"{model} {key}: max |muscle − transformers| = {worst:E2} > {bound:E0}");
            }
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [SharedDataTheory("hf5", "reference.json")]
    [MemberData(nameof(Models))]
    public void GreedyIdsMatchTransformersAndPeft(string model)
    {
        var reference = Reference(model);
        const string prompt = "First Citizen:\nBefore we proceed";
        var modelDir = SharedData.Path("hf5", model, "model");
        Assert.Equal(reference.GetProperty("prompt_ids").EnumerateArray().Select(e => e.GetInt32()),
                     MuscleTokenizer.FromDirectory(modelDir).Encode(prompt));
        foreach (var (adapter, key) in new[] { ((string?)null, "base_greedy"), (SharedData.Path("hf5", model, "adapter"), "adapter_greedy") })
        {
            string[] args = ["generate", "--model", modelDir, "--prompt", prompt, "--greedy", "--ids", "--max-new-tokens", "20"];
            if (adapter is not null) args = [.. args, "--adapter", adapter];
            var (code, output, err) = Cli(args);
            Assert.True(code == 0, err);
            var ids = output.Split((char[])[' ', '\n', '\r'], StringSplitOptions.RemoveEmptyEntries).Select(int.Parse).ToArray();
            Assert.Equal(reference.GetProperty(key).EnumerateArray().Select(e => e.GetInt32()), ids);
        }
    }

    /// <summary>
    /// The llama3 model's config rewritten in the transformers ≤ 4 dialect (top-level rope_theta, rope_scaling,
    /// torch_dtype) loads to the same logits, bit for bit, as the transformers-5 file.
    /// </summary>
    [SharedDataFact("hf5", "llama3", "model")]
    public void BothConfigDialectsOfOneModelGiveTheSameLogits()
    {
        var source = SharedData.Path("hf5", "llama3", "model");
        var dir = Directory.CreateTempSubdirectory("muscle-dialect-").FullName;
        try
        {
            foreach (var f in Directory.GetFiles(source)) File.Copy(f, Path.Combine(dir, Path.GetFileName(f)));
            var config = JsonNode.Parse(File.ReadAllText(Path.Combine(source, "config.json")))!.AsObject();
            var rope = config["rope_parameters"]!.AsObject();
            config.Remove("rope_parameters");
            config["rope_theta"] = rope["rope_theta"]!.GetValue<double>();
            rope.Remove("rope_theta");
            config["rope_scaling"] = rope;
            config["torch_dtype"] = config["dtype"]!.GetValue<string>();
            config.Remove("dtype");
            config["transformers_version"] = "4.46.0";
            File.WriteAllText(Path.Combine(dir, "config.json"), config.ToJsonString());

            using var scope = NewDisposeScope();
            using var _ = no_grad();
            using var v5 = CausalLMFactory.FromPretrained(source);
            using var v4 = CausalLMFactory.FromPretrained(dir);
            v5.Module.eval();
            v4.Module.eval();
            var ids = tensor(new long[] { 0, 431, 568, 27, 200, 682, 506, 325, 663, 315, 311 }).unsqueeze(0);
            Assert.Equal(0.0, TensorAssert.MaxDiff(v5.Forward(ids), v4.Forward(ids)));
            // The rope settings matter here: θ = 10000 (what ignoring rope_parameters gave) changes the logits.
            var plain = config.DeepClone().AsObject();
            plain.Remove("rope_scaling");
            plain.Remove("rope_theta");
            File.WriteAllText(Path.Combine(dir, "config.json"), plain.ToJsonString());
            using var wrong = CausalLMFactory.FromPretrained(dir);
            wrong.Module.eval();
            Assert.True(TensorAssert.MaxDiff(v5.Forward(ids), wrong.Forward(ids)) > 1e-2);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }
}
