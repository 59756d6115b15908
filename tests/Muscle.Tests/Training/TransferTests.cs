using System.Text.Json.Nodes;
using Muscle.Adapters;
using Muscle.Cli.Infrastructure;
using Muscle.Distillation;
using Muscle.Infrastructure;
using Muscle.Tokenization;
using Muscle.Training;

namespace Muscle.Tests.Training;

/// <summary>--transfer: unlabelled inputs distilled on besides the labelled training set (rule: TransferSet).</summary>
public class TransferTests(TinyUpdateFixture fx) : IClassFixture<TinyUpdateFixture>
{
    private const int LabelledTrain = 51; // 64 fixture items, 80/20 split

    private static (int Code, string Out, string Err) Cli(string[] args)
    {
        var (o, e) = (new StringWriter(), new StringWriter());
        return (MuscleApp.Run(args, o, e), o.ToString(), e.ToString());
    }

    /// <summary>
    /// Majority-task inputs without labels, ids t0.. (never a training id). With <paramref name="longDistractor"/>, every
    /// other item offers " b b b" instead of " b": the tiny teachers split on " a" vs " b" (the old one always picks a,
    /// the new one b) but both prefer " a" to a three-token answer, so the file holds items they agree and disagree on.
    /// </summary>
    private string WriteTransfer(string name, int count, int seed, bool longDistractor = false)
    {
        var labelled = TinyTaskWorld.WriteMajorityTask(Path.Combine(fx.Root, name + ".labelled"), count, seed);
        var lines = File.ReadAllLines(labelled).Select((l, i) =>
        {
            var o = JsonNode.Parse(l)!.AsObject();
            o.Remove("label");
            o["id"] = $"t{i}";
            if (longDistractor && i % 2 == 1) o["choices"] = new JsonArray("a", "b b b");
            return o.ToJsonString();
        });
        var path = Path.Combine(fx.Root, name);
        File.WriteAllLines(path, lines);
        return path;
    }

    private static JsonObject Stats(string outDir) =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(outDir, "training_history.json")))!["epoch_stats"]![0]!.AsObject();

    private static double Initial(string outDir) =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(outDir, "training_history.json")))!["initial_validation_loss"]!.GetValue<double>();

    [Fact]
    public void PseudoGoldKeepsTheChoiceBothTeachersPickAndSkipsDisagreements()
    {
        // Two labelled items (kept with their gold even where the teachers disagree), then four transfer items.
        double[][] old = [[0, -1], [-1, 0], [-3, -1, -2], [-1, -2], [-2, -2], [-1, -1, -5]];
        double[][] neu = [[-1, 0], [-1, 0], [-2, -0.5, -9], [-2, -1], [-7, -7], [-4, -3, -3]];
        var (kept, gold) = TransferSet.PseudoGold([1, 1], new TeacherChoiceScores(old, neu, [], []));
        // item 2: both pick choice 1; item 3: old 0, new 1 (skipped); item 4: ties, both first max 0; item 5: old 0, new 1 (skipped).
        Assert.Equal([0, 1, 2, 4], kept);
        Assert.Equal([1, 1, 1, 0], gold);
    }

    [Fact]
    public void TransferInputsCountEveryNextTokenWhateverLossOnAndAnEmptyInputIsRefused()
    {
        var tokenizer = MuscleTokenizer.FromDirectory(fx.NewModel);
        var data = TaskData.Load("jsonl-mc", fx.Train, null, null, null, TinyUpdateFixture.Recipe);
        var transfer = TransferSet.Load(data, WriteTransfer("inputs.jsonl", 3, seed: 5));
        var pairs = transfer.EncodeInputs(tokenizer, 64);
        foreach (var p in pairs)
        {
            Assert.True(p.Ids.Length > 2);
            Assert.Equal(p.Ids.Length - 1, TokenizedSplit.Counted(p, LossOn.All));
            Assert.Equal(p.Ids.Length - 1, TokenizedSplit.Counted(p, LossOn.Answer));
        }
        Assert.Equal(tokenizer.Encode(transfer.Items[1].Context, "", 64).Ids, pairs[1].Ids); // the input text, no answer

        var empty = Path.Combine(fx.Root, "empty-input.jsonl");
        File.WriteAllText(empty, "{\"id\": \"t0\", \"context\": \"ab ->\", \"choices\": [\"a\", \"b\"]}\n{\"id\": \"t1\", \"context\": \"\", \"choices\": [\"a\", \"b\"]}\n");
        var e = Assert.Throws<MuscleInputException>(() => TransferSet.Load(data, empty).EncodeInputs(tokenizer, 64));
        Assert.Equal(2, e.Line);
        Assert.Contains("no token to predict", e.Message);
    }

    /// <summary>
    /// A token-level run trains on the labelled items and every transfer item (its stats count them), validates on the
    /// labelled split alone (same initial validation loss as without --transfer), and the transfer changes the adapter.
    /// </summary>
    [Fact]
    public void TokenLevelTrainCompatTrainsOnTrainPlusTransferItems()
    {
        var transfer = WriteTransfer("token-transfer.jsonl", 20, seed: 21);
        var plain = Path.Combine(fx.Root, "token-plain");
        var withTransfer = Path.Combine(fx.Root, "token-transfer");
        var (code, _, err) = Cli(fx.Args(plain, "--strategy", "muscle", "--loss-on", "answer"));
        Assert.True(code == 0, err);
        (code, _, err) = Cli(fx.Args(withTransfer, "--strategy", "muscle", "--loss-on", "answer", "--transfer", transfer));
        Assert.True(code == 0, err);
        var stats = Stats(withTransfer);
        Assert.Equal(LabelledTrain + 20, stats["train_items"]!.GetValue<double>());
        Assert.Equal(20, stats["transfer_items"]!.GetValue<double>());
        Assert.Equal(LabelledTrain, Stats(plain)["train_items"]!.GetValue<double>());
        Assert.False(Stats(plain).ContainsKey("transfer_items"));
        Assert.Equal(Initial(plain), Initial(withTransfer));
        Assert.NotEqual(File.ReadAllBytes(Path.Combine(plain, LoraAdapter.WeightsFileName)),
                        File.ReadAllBytes(Path.Combine(withTransfer, LoraAdapter.WeightsFileName)));
    }

    /// <summary>
    /// muscle-choice with --transfer skips exactly the transfer items whose two teachers' choice argmax differ (counted
    /// here from the task models' own choice scores) and trains on the rest with their pseudo-gold; through the teacher
    /// cache with --with-token-loss the kept items find their token rows.
    /// </summary>
    [Fact]
    public void ChoiceLevelTransferSkipsTheItemsTheTeachersDisagreeOn()
    {
        var transfer = WriteTransfer("choice-transfer.jsonl", 40, seed: 22, longDistractor: true);
        int disagree;
        using (var oldModel = TaskModel.Load(fx.OldModel, fx.OldAdapter))
        using (var newModel = TaskModel.Load(fx.NewModel, fx.NewAdapter))
        {
            var items = Muscle.Tasks.TaskRegistry.Get("jsonl-mc").LoadUnlabelled(transfer).Select(r => r.Example).ToList();
            var seqs = ChoiceSequences.Encode(items, newModel.Tokenizer, 64);
            var pad = newModel.Tokenizer.PadId ?? newModel.Tokenizer.EosId ?? 0;
            var o = ChoiceSequences.Score(seqs, oldModel.Model, 8, pad);
            var n = ChoiceSequences.Score(seqs, newModel.Model, 8, pad);
            disagree = o.Zip(n, (a, b) => (a[0] >= a[1]) != (b[0] >= b[1])).Count(d => d);
        }
        Assert.InRange(disagree, 1, 39); // both kinds of item: the test is not vacuous

        foreach (var (name, extra) in new[] { ("choice-transfer", Array.Empty<string>()),
                                              ("choice-transfer-cached", ["--with-token-loss", "--teacher-cache", Path.Combine(fx.Root, "choice-transfer-cache")]) })
        {
            var outDir = Path.Combine(fx.Root, name);
            var (code, _, err) = Cli(fx.Args(outDir, ["--strategy", "muscle-choice", "--transfer", transfer, .. extra]));
            Assert.True(code == 0, err);
            var stats = Stats(outDir);
            Assert.Equal(disagree, stats["transfer_skipped"]!.GetValue<double>());
            Assert.Equal(40 - disagree, stats["transfer_items"]!.GetValue<double>());
            Assert.Equal(LabelledTrain + 40 - disagree, stats["train_items"]!.GetValue<double>());
        }
    }
}
