using System.Text.RegularExpressions;

namespace Muscle.Tasks;

/// <summary>
/// <c>hellaswag</c>, from the original jsonl (<c>{ind, activity_label, ctx_a, ctx_b, endings[4], label}</c>).
/// lm-eval (tasks/hellaswag/utils.py): context = pre(activity_label + ": " + ctx_a + " " + ctx_b.capitalize()),
/// choices = pre(ending). Id = <c>ind</c> when present.
/// </summary>
public sealed partial class HellaSwagTask : MultipleChoiceTask
{
    public override string Name => "hellaswag";

    public override string Description =>
        "jsonl {ind?, activity_label, ctx_a, ctx_b, endings[], label}; \"{activity_label}: {ctx_a} {ctx_b.capitalize()}\" + \" {ending}\", lm-eval bracket clean-up";

    /// <summary>
    /// lm-eval's <c>preprocess</c>: strip, " [title]" → ". ", delete <c>\[.*?\]</c> (brackets are WikiHow
    /// artefacts), then one pass of "  " → " ".
    /// </summary>
    public static string Preprocess(string text)
    {
        text = PythonText.Strip(text);
        text = text.Replace(" [title]", ". ", StringComparison.Ordinal);
        text = BracketTag().Replace(text, "");
        return text.Replace("  ", " ", StringComparison.Ordinal);
    }

    protected override List<(long Line, TaskExample Example)> Read(string path, string? labelsPath, bool labelled) =>
        ReadJsonLines(path, r =>
        {
            var activity = r.String("activity_label");
            var ctx = r.String("ctx_a") + " " + PythonText.Capitalize(r.String("ctx_b"));
            var endings = r.StringArray("endings", minCount: 2);
            int? gold = labelled ? r.Label("label", endings.Count) : null;
            return Choice(r.Id("ind"), Preprocess(activity + ": " + ctx), endings.Select(Preprocess), gold);
        });

    // Python's '.' excludes only '\n', as .NET's does without RegexOptions.Singleline.
    [GeneratedRegex(@"\[.*?\]", RegexOptions.CultureInvariant)]
    private static partial Regex BracketTag();
}
