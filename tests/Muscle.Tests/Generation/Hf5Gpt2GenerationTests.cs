using System.Text.Json;
using Muscle.Cli.Infrastructure;

namespace Muscle.Tests.Generation;

/// <summary>
/// The transformers-written GPT-2 in hf5/ keeps GPT2Config's default bos/eos 50256 under a 700-token vocabulary.
/// transformers warns and generates; so must we, with its greedy ids from reference.json.
/// </summary>
public class Hf5Gpt2GenerationTests
{
    [SharedDataFact("hf5", "gpt2", "model", "config.json")]
    public void GenerateWarnsAboutTheOutOfVocabularyIdsAndMatchesTransformersGreedy()
    {
        var (o, e) = (new StringWriter(), new StringWriter());
        var code = MuscleApp.Run(
            ["generate", "--model", SharedData.Path("hf5", "gpt2", "model"), "--prompt", "First Citizen:\nBefore we proceed",
             "--greedy", "--max-new-tokens", "20", "--ids"], o, e);
        Assert.True(code == 0, e.ToString());
        using var reference = JsonDocument.Parse(File.ReadAllText(SharedData.Path("hf5", "reference.json")));
        var expected = reference.RootElement.GetProperty("gpt2").GetProperty("base_greedy").EnumerateArray().Select(x => x.GetInt32());
        Assert.Equal(string.Join(' ', expected), o.ToString().Trim());
        var lines = e.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("note: stopped after the requested 20 of 20 new tokens", lines[^1]); // why generation ended, last
        var warnings = lines[..^1];
        Assert.Equal(2, warnings.Length);
        Assert.All(warnings, w => Assert.Matches("^warning: .*(generation_config|config)\\.json: bos_token_id 50256, eos_token_id 50256 are outside the vocabulary \\(700 tokens\\)", w));
    }
}
