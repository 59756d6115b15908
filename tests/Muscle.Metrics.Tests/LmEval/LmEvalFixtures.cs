namespace Muscle.Metrics.Tests.LmEval;

/// <summary>Paths of tests/lm-eval-fixtures (written by its make_fixtures.py from lm-eval v0.4.3's sample layout).</summary>
internal static class LmEvalFixtures
{
    public static string Root { get; } = Path.Combine(SharedData.RepoRoot, "tests", "lm-eval-fixtures");
    public static string OldDir => Path.Combine(Root, "old");
    public static string NewDir => Path.Combine(Root, "new");
    public static string CompatDir => Path.Combine(Root, "compat");
    public static string OldArc => Path.Combine(Root, "old", "model-v1", "samples_arc_easy_2024-06-01T10-00-00.000000.jsonl");
    public static string NewArc => Path.Combine(Root, "new", "model-v2", "samples_arc_easy_2024-09-15T08-30-00.000000.jsonl");
    public static string OldGsm => Path.Combine(Root, "old", "model-v1", "samples_gsm8k_2024-06-01T10-00-00.000000.jsonl");
    public static string CompatArc => Path.Combine(Root, "compat", "model-v2-compat", "samples_arc_easy_2024-10-01T09-15-00.000000.jsonl");
    public static string CompatGsm => Path.Combine(Root, "compat", "model-v2-compat", "samples_gsm8k_2024-10-01T09-15-00.000000.jsonl");
    public static string NewGsm => Path.Combine(Root, "new", "model-v2", "samples_gsm8k_2024-09-15T08-30-00.000000.jsonl");
}
