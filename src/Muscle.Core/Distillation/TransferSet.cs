using Muscle.Infrastructure;
using Muscle.Tasks;
using Muscle.Tokenization;
using Muscle.Training;

namespace Muscle.Distillation;

/// <summary>
/// <c>--transfer FILE</c>: unlabelled inputs of the task's format, used for distillation in addition to the labelled
/// training set. Validation (and best-adapter selection) stays on the labelled validation split only. The rule:
/// <list type="bullet">
/// <item>Token-level strategies: a transfer item is its input text (the task's context/prompt, no answer/target). The
/// "ground truth" of every mask and of CE is the next token of that text, so every strategy runs unchanged on those
/// tokens; <c>--loss-on answer</c> counts all of them (there is no answer).</item>
/// <item>Choice-level strategies: the pseudo-gold is the choice both teachers' choice argmax agree on (lm-eval's acc
/// rule: the highest summed log-likelihood); items where the old and new teacher disagree are skipped and counted
/// (<c>transfer_skipped</c> in the epoch stats of training_history.json). focal-choice's CE uses the pseudo-gold;
/// <c>--with-token-loss</c> distils on the item's input text as the token-level rule says.</item>
/// </list>
/// The file is read in the task's unlabelled mode (<see cref="ITaskDefinition.LoadUnlabelled"/>): the label/answer field
/// may be absent, and is ignored when present. An id that is also a labelled training or validation id is an input
/// error (file and line); ids a file without an id field gets from the record index are not compared (two such files
/// always share them). Partial-scoring tasks (winogrande) have no shared prompt and take no transfer file.
/// </summary>
public sealed record TransferSet(string Path, IReadOnlyList<TaskExample> Items, IReadOnlyList<long> Lines)
{
    public int Count => Items.Count;

    /// <summary>Reads <paramref name="path"/> unlabelled and checks it against the labelled data.</summary>
    public static TransferSet Load(TaskData data, string path)
    {
        if (data.Task.Scoring?.PartialScoring == true)
            throw new MuscleInputException(
                $"--transfer: task {data.Task.Name} scores each choice with its own context, so its items have no shared input text to distil on", path);
        var rows = data.Task.LoadUnlabelled(path);
        var labelled = data.Train.Concat(data.Valid).Select(e => e.Id).ToHashSet(StringComparer.Ordinal);
        for (var i = 0; i < rows.Count; i++)
        {
            var (line, example) = rows[i];
            if (example.Id != i.ToString(System.Globalization.CultureInfo.InvariantCulture) && labelled.Contains(example.Id))
                throw new MuscleInputException(
                    $"transfer item id '{example.Id}' is also a labelled training item's id: an item is labelled data or transfer input, not both", path, line);
        }
        return new TransferSet(System.IO.Path.GetFullPath(path), [.. rows.Select(r => r.Example)], [.. rows.Select(r => r.Line)]);
    }

    /// <summary>
    /// The choice-level rule: training items [0, labelled) keep their gold; every later (transfer) item is kept with the
    /// choice both teachers' scores put first (ties to the first maximum, as lm-eval's acc) or skipped if they differ.
    /// </summary>
    /// <returns>The kept training items in order, and the gold (or pseudo-gold) of each.</returns>
    public static (List<int> Kept, List<int> Gold) PseudoGold(IReadOnlyList<int> labelledGold, TeacherChoiceScores scores)
    {
        var kept = Enumerable.Range(0, labelledGold.Count).ToList();
        var gold = labelledGold.ToList();
        for (var i = labelledGold.Count; i < scores.OldTrain.Length; i++)
        {
            var oldChoice = MultipleChoiceRules.ArgMaxFirst(scores.OldTrain[i]);
            if (oldChoice != MultipleChoiceRules.ArgMaxFirst(scores.NewTrain[i])) continue;
            kept.Add(i);
            gold.Add(oldChoice);
        }
        return (kept, gold);
    }

    /// <summary>
    /// Each item's input text as a training sequence whose every next-token target counts, whatever the LossOn:
    /// ContextLength 1 leaves only the first token, which nothing predicts, as "context".
    /// </summary>
    public List<EncodedPair> EncodeInputs(MuscleTokenizer tokenizer, int maxSeqLen) =>
        Items.Select((ex, i) =>
        {
            var ids = tokenizer.Encode(ex.Context, "", maxSeqLen).Ids;
            if (ids.Length < 2)
                throw new MuscleInputException($"transfer item '{ex.Id}' has no token to predict: its input text is empty", Path, Lines[i]);
            return new EncodedPair(ids, ContextLength: 1);
        }).ToList();
}
