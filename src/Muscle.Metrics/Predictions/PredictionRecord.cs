namespace Muscle.Predictions;

/// <summary>
/// A gold answer or a prediction: a JSON integer (a class or choice index) or a string (free text, an extracted
/// answer). Equality is kind-sensitive, so the choice 1 and the text "1" differ.
/// </summary>
public readonly record struct Label(string Text, bool IsInteger)
{
    public override string ToString() => Text;
}

/// <summary>
/// One line of a predictions JSONL file, as <c>muscle eval</c> writes it and any other system can:
/// <c>{"id", "gold"?, "prediction"?, "correct"?, "score"?, "input"?, "output"?}</c>.
/// <see cref="Line"/> is the 1-based line number, for error messages.
/// </summary>
public sealed record PredictionRecord(
    string Id,
    Label? Gold,
    Label? Prediction,
    bool? Correct,
    double? Score,
    string? Input,
    string? Output,
    int Line);

/// <summary>All records of one predictions file, in file order, with unique ids.</summary>
public sealed record PredictionSet(string File, IReadOnlyList<PredictionRecord> Records);
