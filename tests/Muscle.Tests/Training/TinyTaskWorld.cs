using System.Text;
using System.Text.Json.Nodes;
using Muscle.Configuration;
using Muscle.IO;
using Muscle.Models;
using Muscle.Tokenization;
using TorchSharp;

namespace Muscle.Tests.Training;

/// <summary>
/// A tiny HF model directory (random Llama, byte-level tokenizer with no merges: one token per byte + EOS) and a
/// learnable multiple-choice task (the majority letter of a string of a/b), for trainer tests that must run in seconds.
/// </summary>
internal static class TinyTaskWorld
{
    public const int Vocab = 257;

    public static string CreateModel(string dir, int seed = 1, int hidden = 32, int layers = 2)
    {
        Directory.CreateDirectory(dir);
        var config = $$"""
            { "architectures": ["LlamaForCausalLM"], "model_type": "llama", "vocab_size": {{Vocab}}, "hidden_size": {{hidden}},
              "intermediate_size": {{hidden * 2}}, "num_hidden_layers": {{layers}}, "num_attention_heads": 4, "num_key_value_heads": 2,
              "max_position_embeddings": 128, "rms_norm_eps": 1e-5, "rope_theta": 10000.0, "tie_word_embeddings": false,
              "bos_token_id": 256, "eos_token_id": 256 }
            """;
        File.WriteAllText(Path.Combine(dir, "config.json"), config);
        torch.manual_seed(seed);
        using (var model = CausalLMFactory.Create(ModelConfigLoader.Parse(config)))
        using (var scope = torch.NewDisposeScope())
            CheckpointFiles.SaveDirectory(dir, model.Module.state_dict().Where(p => !model.TiedKeys.Contains(p.Key))
                                                  .ToDictionary(p => p.Key, p => p.Value));
        WriteByteTokenizer(dir);
        return dir;
    }

    /// <summary>GPT-2-style byte-level tokenizer.json with the 256 byte tokens and no merges.</summary>
    public static void WriteByteTokenizer(string dir)
    {
        var vocab = new JsonObject();
        for (var b = 0; b < 256; b++) vocab[ByteLevelAlphabet.TextToToken(Encoding.Latin1.GetString([(byte)b]))] = b;
        var json = new JsonObject
        {
            ["version"] = "1.0",
            ["added_tokens"] = new JsonArray(new JsonObject
            {
                ["id"] = 256, ["content"] = "<|endoftext|>", ["single_word"] = false, ["lstrip"] = false,
                ["rstrip"] = false, ["normalized"] = false, ["special"] = true,
            }),
            ["normalizer"] = null,
            ["pre_tokenizer"] = new JsonObject { ["type"] = "ByteLevel", ["add_prefix_space"] = false, ["trim_offsets"] = true, ["use_regex"] = true },
            ["post_processor"] = null,
            ["decoder"] = new JsonObject { ["type"] = "ByteLevel", ["add_prefix_space"] = true, ["trim_offsets"] = true, ["use_regex"] = true },
            ["model"] = new JsonObject
            {
                ["type"] = "BPE", ["dropout"] = null, ["unk_token"] = null, ["continuing_subword_prefix"] = "",
                ["end_of_word_suffix"] = "", ["fuse_unk"] = false, ["byte_fallback"] = false, ["vocab"] = vocab,
                ["merges"] = new JsonArray(),
            },
        };
        File.WriteAllText(Path.Combine(dir, "tokenizer.json"), json.ToJsonString());
        File.WriteAllText(Path.Combine(dir, "tokenizer_config.json"), """
            { "bos_token": "<|endoftext|>", "eos_token": "<|endoftext|>", "add_bos_token": true, "tokenizer_class": "GPT2Tokenizer" }
            """);
    }

    /// <summary>jsonl-mc lines: the context is a string of a/b, the gold choice its majority letter.</summary>
    public static string WriteMajorityTask(string path, int count, int seed)
    {
        var rng = new Random(seed);
        var sb = new StringBuilder();
        for (var i = 0; i < count; i++)
        {
            var letters = new string(Enumerable.Range(0, 7).Select(_ => rng.Next(2) == 0 ? 'a' : 'b').ToArray());
            var label = letters.Count(c => c == 'a') > 3 ? 0 : 1;
            sb.Append(new JsonObject
            {
                ["id"] = $"q{i}",
                ["context"] = $"{letters} ->",
                ["choices"] = new JsonArray("a", "b"),
                ["label"] = label,
            }.ToJsonString()).Append('\n');
        }
        File.WriteAllText(path, sb.ToString());
        return path;
    }
}
