using Muscle.Cli.Infrastructure;
using Muscle.Tests.Reliability;
using Muscle.Tests.Training;

namespace Muscle.Tests.Update;

/// <summary>
/// update keys its stages by the content of what they read (Muscle.IO.ContentHashes): a base model whose
/// model.safetensors is rewritten in place — same path, same size, mtime set back — makes every stage that reads it run
/// again, and only those; before, the model was keyed by its path and the old predictions were reported. The same for
/// --dtype, which no stage's fingerprint held.
/// </summary>
public class UpdateContentKeyTests(TinyUpdateFixture fx) : IClassFixture<TinyUpdateFixture>
{
    private static (int Code, string Out, string Err) Cli(string[] args)
    {
        var (o, e) = (new StringWriter(), new StringWriter());
        return (MuscleApp.Run(args, o, e), o.ToString(), e.ToString());
    }

    [Fact]
    public void AModelRewrittenInPlaceRerunsTheStagesThatReadIt()
    {
        var newModel = Path.Combine(fx.Root, "v2-rewritten");
        Directory.CreateDirectory(newModel);
        foreach (var f in Directory.GetFiles(fx.NewModel)) File.Copy(f, Path.Combine(newModel, Path.GetFileName(f)));
        var test = TinyTaskWorld.WriteMajorityTask(Path.Combine(fx.Root, "content-key-test.jsonl"), 20, seed: 4);
        var outDir = Path.Combine(fx.Root, "update-content-key");
        string[] args =
        [
            "update", "--old-model", fx.OldModel, "--old-adapter", fx.OldAdapter, "--new-model", newModel, "--new-adapter", fx.NewAdapter,
            "--task", "jsonl-mc", "--train", fx.Train, "--test", test, "--out", outDir, "--json",
            "--epochs", "1", "--batch-size", "8", "--grad-accum", "1", "--lr", "1e-2", "--warmup", "1",
        ];
        var first = Cli(args);
        Assert.True(first.Code == 0, first.Err);

        var again = Cli(args);
        Assert.True(again.Code == 0, again.Err);
        Assert.Contains("reused finished stages: compat-adapter, predict-old, predict-new, predict-compat", again.Err);

        InPlaceRewrite.FirstWeight(Path.Combine(newModel, "model.safetensors"));
        var changed = Cli(args);
        Assert.True(changed.Code == 0, changed.Err);
        // Only v1's predictions read nothing of v2.
        Assert.Contains("reused finished stages: predict-old\n", changed.Err.ReplaceLineEndings("\n"));

        // The dtype is a setting of every stage (a bfloat16 model predicts otherwise): nothing is reused.
        var bf16 = Cli([.. args, "--dtype", "bfloat16"]);
        Assert.True(bf16.Code == 0, bf16.Err);
        Assert.DoesNotContain("reused finished stages", bf16.Err);
    }
}
