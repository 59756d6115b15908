using System.Text;
using Muscle.Infrastructure;

namespace Muscle.Tasks.Readers;

/// <summary>
/// A small RFC 4180 reader: comma-separated, fields optionally in double quotes, <c>""</c> inside quotes is one
/// quote, and quoted fields may hold commas and line breaks (kept verbatim, CRLF included). The first record is
/// the header. Blank lines between records are skipped. Each record reports the 1-based line it starts on.
/// </summary>
public sealed class CsvTable
{
    private CsvTable(string path, IReadOnlyList<string> header, List<(long Line, string[] Fields)> rows)
    {
        Path = path;
        Header = header;
        Rows = rows;
    }

    public string Path { get; }

    public IReadOnlyList<string> Header { get; }

    /// <summary>Data records (header excluded), each with as many fields as the header.</summary>
    public IReadOnlyList<(long Line, string[] Fields)> Rows { get; }

    /// <summary>Index of a header column, or an error naming the missing column.</summary>
    public int Column(string name, bool required = true)
    {
        for (var i = 0; i < Header.Count; i++)
            if (string.Equals(Header[i].Trim(), name, StringComparison.Ordinal)) return i;
        if (required)
            throw new MuscleInputException($"missing column '{name}' in the CSV header (columns: {string.Join(", ", Header)})", Path, 1);
        return -1;
    }

    public static CsvTable Read(string path, char separator = ',')
    {
        using var reader = DataFile.OpenText(path);
        var records = Parse(reader, path, separator);
        if (records.Count == 0) throw new MuscleInputException("empty file: no CSV header", path, 1);
        var header = records[0].Fields;
        for (var r = 1; r < records.Count; r++)
            if (records[r].Fields.Length != header.Length)
                throw new MuscleInputException(
                    $"record has {records[r].Fields.Length} fields but the header has {header.Length}", path, records[r].Line);
        return new CsvTable(path, header, records.GetRange(1, records.Count - 1));
    }

    private static List<(long Line, string[] Fields)> Parse(TextReader reader, string path, char separator)
    {
        var records = new List<(long, string[])>();
        var fields = new List<string>();
        var field = new StringBuilder();
        long line = 1, recordLine = 1, quoteLine = 1;
        var inQuotes = false;
        var quoted = false;      // the current field was quoted (and its closing quote seen when !inQuotes)
        var fieldStarted = false;

        void EndField()
        {
            fields.Add(field.ToString());
            field.Clear();
            quoted = false;
            fieldStarted = false;
        }

        void EndRecord()
        {
            // A blank line is one empty unquoted field: skip it rather than make a one-column record.
            var blank = fields.Count == 0 && !fieldStarted && field.Length == 0 && !quoted;
            if (!blank)
            {
                EndField();
                records.Add((recordLine, fields.ToArray()));
            }
            fields.Clear();
            field.Clear();
            quoted = false;
            fieldStarted = false;
        }

        int c;
        while ((c = reader.Read()) != -1)
        {
            var ch = (char)c;
            if (inQuotes)
            {
                if (ch == '"')
                {
                    if (reader.Peek() == '"') { reader.Read(); field.Append('"'); }
                    else inQuotes = false;
                }
                else
                {
                    if (ch == '\n' || (ch == '\r' && reader.Peek() != '\n')) line++;
                    field.Append(ch);
                }
                continue;
            }

            if (ch == '\r' || ch == '\n')
            {
                if (ch == '\r' && reader.Peek() == '\n') reader.Read();
                EndRecord();
                line++;
                recordLine = line;
                continue;
            }
            if (ch == separator)
            {
                EndField();
                fieldStarted = true; // the next field exists even if the line ends right after the separator
                continue;
            }
            if (quoted)
                throw new MuscleInputException($"unexpected '{Printable(ch)}' after a closing quote (a quote inside a quoted field must be doubled)", path, line);
            if (ch == '"')
            {
                if (field.Length > 0)
                    throw new MuscleInputException("unexpected quote inside an unquoted field (quote the whole field and double the quote)", path, line);
                inQuotes = true;
                quoted = true;
                fieldStarted = true;
                quoteLine = line;
                continue;
            }
            field.Append(ch);
            fieldStarted = true;
        }
        if (inQuotes) throw new MuscleInputException("a quoted field is never closed", path, quoteLine);
        EndRecord();
        return records;
    }

    private static string Printable(char ch) => char.IsControl(ch) ? $"\\u{(int)ch:x4}" : ch.ToString();
}
