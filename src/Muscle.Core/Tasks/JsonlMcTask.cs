namespace Muscle.Tasks;

/// <summary>
/// <c>jsonl-mc</c>, generic multiple choice: <c>{id?, context, choices[], label}</c>. The model reads the context
/// verbatim and each continuation is lm-eval's delimiter plus the choice (<c>" " + choice</c>), so write the
/// context as the full prompt (e.g. ending in "Answer:") and the choices without a leading space.
/// </summary>
public sealed class JsonlMcTask : MultipleChoiceTask
{
    public override string Name => "jsonl-mc";

    public override string Description => "jsonl {id?, context, choices[], label}; \"{context}\" + \" {choice}\"";

    protected override List<(long Line, TaskExample Example)> Read(string path, string? labelsPath, bool labelled) =>
        ReadJsonLines(path, r =>
        {
            var choices = r.StringArray("choices", minCount: 2);
            return Choice(r.Id(), r.String("context"), choices, labelled ? r.Label("label", choices.Count) : null);
        });
}
