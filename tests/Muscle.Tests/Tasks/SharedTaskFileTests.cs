using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Muscle.Tasks;

namespace Muscle.Tests.Tasks;

/// <summary>
/// Every task on the real files in ../shared/data/benchmarks: the item count, the first item against a string
/// written by hand from the raw file, and a SHA-256 over ALL items against Fixtures/render_hashes.py, which
/// renders them with lm-eval's own Python code (str.strip, str.capitalize, re.sub).
/// </summary>
public sealed class SharedTaskFileTests
{
    private static readonly Dictionary<string, (string Sha256, int Count)> Expected = new()
    {
        ["hellaswag"] = ("34e7b5b67a04f35b8ce12ef13eed44a306b21a5af854358a7126e543d4066510", 1000),
        ["piqa"] = ("708e5b1190f9441264f4840daf8cae450bd3da066b4d6247505f7481c05e89af", 1838),
        ["gsm8k/test"] = ("60e8355b298ba755f72cf4ed539353af13fa3f81f1a460a42afb71558d399c20", 1319),
        ["gsm8k/train"] = ("0b5312b576c878e2cdfe10cb5c5246a63430e9ecb7bcd8bee0d8424dd722a652", 7473),
        ["sst2"] = ("35e4479654a47cb0bc5d6c2680660e3e23a6008d764fa594587b5c1b7c3f092f", 872),
        ["arc_easy"] = ("d88169132b27b5eee361af9f4e42cdbece3f4bc6f3bacb2aa01a9f3c69dd7474", 2376),
        ["boolq"] = ("3ffa295e554210e565118ed4ca39964bdac5e4f87dd31a428351b8a7a407afa1", 3270),
        ["copa"] = ("b6f0c3e0cd0b7f4fc12f672aaedad5649165bf35c039ddcb2561cc3b72274e37", 100),
        ["winogrande"] = ("6f236fc72c36f0f34e57a0aece0b63912c1972ef691d074628e20f618d792511", 1267),
    };

    private static string Bench(params string[] parts) => SharedData.Path(["benchmarks", .. parts]);

    [SharedDataFact("benchmarks", "hellaswag", "hellaswag_val_1000_rubrikscube.jsonl")]
    public void HellaSwag_first_item_is_lm_eval_preprocessed()
    {
        var examples = TaskRegistry.Get("hellaswag").Load(Bench("hellaswag", "hellaswag_val_1000_rubrikscube.jsonl"));
        var ex = examples[0];
        // Raw: activity_label "Pole vault", ctx_a "...swing your body.", ctx_b "a few women" -> capitalize -> "A few women".
        Assert.Equal("20022", ex.Id);
        Assert.Equal("Pole vault: Pole vault is a sport where you run with a pole and stop and swing your body. A few women", ex.Context);
        Assert.Equal(
            [" go down a rock and stop.", " watch from around a pole vault.", " are in the wading pool.",
             " are in the gym practicing to do this pole vault, trying to do their best."], ex.Choices);
        Assert.Equal(3, ex.Gold);
        Assert.Equal(" are in the gym practicing to do this pole vault, trying to do their best.".Length - 1, ex.NormLength(3));
        AssertHash("hellaswag", examples);
    }

    [SharedDataFact("benchmarks", "piqa", "valid.jsonl")]
    public void Piqa_first_item_and_labels_file()
    {
        var examples = TaskRegistry.Get("piqa").Load(Bench("piqa", "valid.jsonl"), Bench("piqa", "valid-labels.lst"));
        var ex = examples[0];
        Assert.Equal("0", ex.Id);
        Assert.Equal("Question: How do I ready a guinea pig cage for it's new occupants?\nAnswer:", ex.Context);
        Assert.Equal(" Provide the guinea pig with a cage full of a few inches of bedding made of ripped paper strips, you will also need to supply it with a water bottle and a food dish.", ex.Choices[0]);
        Assert.Equal(" Provide the guinea pig with a cage full of a few inches of bedding made of ripped jeans material, you will also need to supply it with a water bottle and a food dish.", ex.Choices[1]);
        Assert.Equal(0, ex.Gold);
        Assert.Equal([1, 1], examples.Skip(1).Take(2).Select(e => e.Gold!.Value)); // labels lines 2..3
        AssertHash("piqa", examples);
    }

    [SharedDataFact("benchmarks", "gsm8k", "test.jsonl")]
    public void Gsm8k_test_first_item_prompt_target_and_gold()
    {
        var task = TaskRegistry.Get("gsm8k");
        var examples = task.Load(Bench("gsm8k", "test.jsonl"));
        var ex = examples[0];
        Assert.Equal("Question: Janet\u2019s ducks lay 16 eggs per day. She eats three for breakfast every morning and bakes muffins for her friends every day with four. She sells the remainder at the farmers' market daily for $2 per fresh duck egg. How much in dollars does she make every day at the farmers' market?\nAnswer:", ex.Context);
        Assert.Equal("Janet sells 16 - 3 - 4 = <<16-3-4=9>>9 duck eggs a day.\nShe makes 9 * 2 = $<<9*2=18>>18 every day at the farmer\u2019s market.\n#### 18", ex.Target);
        Assert.Equal("18", ex.Extra!["gold"]);
        Assert.Equal(ex.Context + " " + ex.Target, task.TrainingText(ex).Full);
        Assert.True(task.Score(" She makes $18 a day.\n#### 18\n\nQuestion: next", ex).Correct);
        AssertHash("gsm8k/test", examples);
    }

    [SharedDataFact("benchmarks", "gsm8k", "train.jsonl")]
    public void Gsm8k_train_count_and_first_item()
    {
        var examples = TaskRegistry.Get("gsm8k").Load(Bench("gsm8k", "train.jsonl"));
        Assert.Equal("Question: Natalia sold clips to 48 of her friends in April, and then she sold half as many clips in May. How many clips did Natalia sell altogether in April and May?\nAnswer:", examples[0].Context);
        Assert.Equal("72", examples[0].Extra!["gold"]);
        AssertHash("gsm8k/train", examples);
    }

    [SharedDataFact("sst2", "glue_dev.tsv")]
    public void Sst2_glue_dev_first_item()
    {
        var examples = TaskRegistry.Get("sst2").Load(SharedData.Path("sst2", "glue_dev.tsv"));
        var ex = examples[0];
        Assert.Equal("it 's a charming and often affecting journey . \nQuestion: Is this sentence positive or negative?\nAnswer:", ex.Context);
        Assert.Equal([" negative", " positive"], ex.Choices);
        Assert.Equal(1, ex.Gold);
        AssertHash("sst2", examples);
    }

    [SharedDataFact("benchmarks", "llmfoundry", "arc_easy.jsonl")]
    public void ArcEasy_first_item()
    {
        var examples = TaskRegistry.Get("arc_easy").Load(Bench("llmfoundry", "arc_easy.jsonl"));
        var ex = examples[0];
        Assert.Equal("Question: Which statement best explains why photosynthesis is the foundation of most food webs?\nAnswer:", ex.Context);
        Assert.Equal(" Sunlight is the source of energy for nearly all ecosystems.", ex.Choices[0]);
        Assert.Equal(" The producers in all ecosystems are plants.", ex.Choices[3]);
        Assert.Equal(0, ex.Gold);
        AssertHash("arc_easy", examples);
    }

    [SharedDataFact("benchmarks", "llmfoundry", "boolq.jsonl")]
    public void Boolq_first_item_drops_the_passage_prefix()
    {
        var examples = TaskRegistry.Get("boolq").Load(Bench("llmfoundry", "boolq.jsonl"));
        var ex = examples[0];
        Assert.StartsWith("All biomass goes through at least some of these steps:", ex.Context);
        Assert.EndsWith(" concluded that producing ethanol from corn uses much less petroleum than producing gasoline.\nQuestion: does ethanol take more energy make that produces?\nAnswer:", ex.Context);
        Assert.Equal([" no", " yes"], ex.Choices);
        Assert.Equal(0, ex.Gold);
        Assert.False(TaskRegistry.Get("boolq").Scoring!.ReportsAccNorm);
        AssertHash("boolq", examples);
    }

    [SharedDataFact("benchmarks", "llmfoundry", "copa.jsonl")]
    public void Copa_first_item_uses_lm_eval_connector()
    {
        var examples = TaskRegistry.Get("copa").Load(Bench("llmfoundry", "copa.jsonl"));
        var ex = examples[0];
        Assert.Equal("The man turned on the faucet therefore", ex.Context);
        Assert.Equal([" the toilet filled with water.", " water flowed from the spout."], ex.Choices);
        Assert.Equal(1, ex.Gold);
        Assert.Equal("The hamburger meat browned because", examples[4].Context);
        AssertHash("copa", examples);
    }

    [SharedDataFact("benchmarks", "llmfoundry", "winogrande.jsonl")]
    public void Winogrande_first_item_is_partial_scoring()
    {
        var task = TaskRegistry.Get("winogrande");
        var examples = task.Load(Bench("llmfoundry", "winogrande.jsonl"));
        var ex = examples[0];
        Assert.True(task.Scoring!.PartialScoring);
        Assert.Equal(new ChoiceRequest("Sarah was a much better surgeon than Maria so Sarah", " always got the easier cases."), ex.Request(0));
        Assert.Equal(new ChoiceRequest("Sarah was a much better surgeon than Maria so Maria", " always got the easier cases."), ex.Request(1));
        Assert.Equal(1, ex.Gold);
        Assert.Equal("Sarah was a much better surgeon than Maria so Maria always got the easier cases.", task.TrainingText(ex).Full);
        AssertHash("winogrande", examples);
    }

    private static void AssertHash(string key, IReadOnlyList<TaskExample> examples)
    {
        var (sha, count) = Expected[key];
        Assert.Equal(count, examples.Count);
        var sb = new StringBuilder();
        foreach (var ex in examples)
        {
            sb.Append(ex.Id).Append('\x1f');
            if (ex.Gold is { } gold)
            {
                foreach (var r in ex.Requests()) sb.Append(r.Context).Append('\x1e').Append(r.Continuation).Append('\x1d');
                sb.Append('\x1c').Append(gold.ToString(CultureInfo.InvariantCulture));
            }
            else
            {
                sb.Append(ex.Context).Append('\x1d').Append(ex.Target).Append('\x1c').Append(ex.Extra!["gold"]);
            }
            sb.Append('\n');
        }
        Assert.Equal(sha, Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(sb.ToString()))));
    }
}
