using System.Globalization;
using Muscle.Infrastructure;

namespace Muscle.Tasks.Readers;

/// <summary>A labels file: one integer a line, aligned with the records of its data file (PIQA's <c>*-labels.lst</c>).</summary>
public static class LabelsFile
{
    /// <summary>The labels with their 1-based lines; blank lines are skipped, as in the data file.</summary>
    public static List<(long Line, int Label)> Read(string path)
    {
        using var reader = DataFile.OpenText(path);
        var labels = new List<(long, int)>();
        long lineNo = 0;
        while (reader.ReadLine() is { } line)
        {
            lineNo++;
            var text = line.Trim();
            if (text.Length == 0) continue;
            if (!int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var label))
                throw new MuscleInputException($"label '{Short(text)}' is not an integer", path, lineNo);
            labels.Add((lineNo, label));
        }
        return labels;
    }

    /// <summary>
    /// Checks that the labels file has exactly one label per data record and each is in 0..<paramref name="choiceCount"/>-1.
    /// </summary>
    public static void CheckAligned(string labelsPath, IReadOnlyList<(long Line, int Label)> labels, int dataCount,
        string dataPath, int choiceCount)
    {
        if (labels.Count != dataCount)
        {
            var line = labels.Count > dataCount ? labels[dataCount].Line : (labels.Count == 0 ? 1 : labels[^1].Line + 1);
            throw new MuscleInputException(
                $"labels file has {labels.Count} labels but the data file {dataPath} has {dataCount} records",
                labelsPath, line);
        }
        foreach (var (line, label) in labels)
            if (label < 0 || label >= choiceCount)
                throw new MuscleInputException($"label {label} is out of range: allowed 0..{choiceCount - 1}", labelsPath, line);
    }

    private static string Short(string s) => s.Length <= 20 ? s : s[..20] + "...";
}
