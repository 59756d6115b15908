using System.Globalization;
using Muscle.Infrastructure;
using Muscle.Tasks.Readers;

namespace Muscle.Tasks;

/// <summary>
/// <c>sst2</c>, from GLUE's tab-separated file with a header (<c>sentence\tlabel</c>, optionally <c>idx</c>; GLUE
/// TSVs are unquoted). lm-eval (glue/sst2): <c>"{sentence}\nQuestion: Is this sentence positive or negative?\nAnswer:"</c>
/// + <c>" negative"</c>/<c>" positive"</c>. Id = <c>idx</c> when present, else the data-row index. acc only.
/// </summary>
public sealed class Sst2Task : MultipleChoiceTask
{
    private static readonly string[] Labels = ["negative", "positive"];

    public override string Name => "sst2";

    public override MultipleChoiceScoring? Scoring => new(ReportsAccNorm: false, PartialScoring: false);

    public override string Description =>
        "GLUE tsv with header sentence<TAB>label; \"{sentence}\\nQuestion: Is this sentence positive or negative?\\nAnswer:\" + \" negative|positive\"";

    protected override List<(long Line, TaskExample Example)> Read(string path, string? labelsPath, bool labelled)
    {
        using var reader = DataFile.OpenText(path);
        var header = reader.ReadLine() ?? throw new MuscleInputException("empty file: no header line (expected sentence<TAB>label)", path, 1);
        var columns = header.Split('\t');
        int Column(string name, bool required)
        {
            var i = Array.FindIndex(columns, c => c.Trim() == name);
            if (i < 0 && required)
                throw new MuscleInputException($"missing column '{name}' in the header (got: {string.Join(", ", columns)})", path, 1);
            return i;
        }
        var sentenceAt = Column("sentence", true);
        var labelAt = labelled ? Column("label", true) : -1;
        var idAt = Column("idx", false);

        var rows = new List<(long, TaskExample)>();
        long lineNo = 1;
        while (reader.ReadLine() is { } line)
        {
            lineNo++;
            if (line.Length == 0) continue;
            var cells = line.Split('\t');
            if (cells.Length != columns.Length)
                throw new MuscleInputException($"row has {cells.Length} tab-separated fields but the header has {columns.Length}", path, lineNo);
            int? label = labelled ? Label(cells[labelAt].Trim(), path, lineNo) : null;
            var id = idAt >= 0 ? cells[idAt].Trim() : rows.Count.ToString(CultureInfo.InvariantCulture);
            var context = cells[sentenceAt] + "\nQuestion: Is this sentence positive or negative?\nAnswer:";
            rows.Add((lineNo, Choice(id, context, Labels, label)));
        }
        return rows;
    }

    private static int Label(string text, string path, long lineNo)
    {
        if (!int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var label))
            throw new MuscleInputException($"label '{text}' is not an integer", path, lineNo);
        if (label is < 0 or > 1)
            throw new MuscleInputException($"label {label} is out of range: allowed 0..1", path, lineNo);
        return label;
    }
}
