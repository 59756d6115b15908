using System.Globalization;
using System.Text.Json;
using Muscle.Infrastructure;

namespace Muscle.Tasks.Readers;

/// <summary>
/// One JSON object of a data file with where it came from, and typed field access whose every failure is a
/// <see cref="MuscleInputException"/> naming the file, the line and the field.
/// </summary>
public readonly struct JsonRecord
{
    public JsonRecord(string file, long line, int index, JsonElement root)
    {
        File = file;
        Line = line;
        Index = index;
        Root = root;
    }

    public string File { get; }

    /// <summary>1-based line where the object starts.</summary>
    public long Line { get; }

    /// <summary>0-based index among the file's records.</summary>
    public int Index { get; }

    public JsonElement Root { get; }

    public MuscleInputException Error(string message) => new(message, File, Line);

    public bool Has(string name) =>
        Root.TryGetProperty(name, out var v) && v.ValueKind is not JsonValueKind.Null and not JsonValueKind.Undefined;

    public string String(string name)
    {
        var v = Field(name);
        if (v.ValueKind != JsonValueKind.String) throw Error($"field '{name}' must be a string, got {Kind(v)}");
        return Text(v, name);
    }

    /// <summary>An integer given as a JSON number or as a string of digits (Hugging Face exports use both).</summary>
    public int Int(string name)
    {
        var v = Field(name);
        if (v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var n)) return n;
        if (v.ValueKind == JsonValueKind.String &&
            int.TryParse(Text(v, name), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out n)) return n;
        throw Error($"field '{name}' must be an integer, got {Describe(v)}");
    }

    /// <summary>An integer field that indexes <paramref name="count"/> choices.</summary>
    public int Label(string name, int count)
    {
        var label = Int(name);
        if (label < 0 || label >= count)
            throw Error($"field '{name}' is {label}, out of range: allowed 0..{count - 1}");
        return label;
    }

    public IReadOnlyList<string> StringArray(string name, int minCount = 1)
    {
        var v = Field(name);
        if (v.ValueKind != JsonValueKind.Array) throw Error($"field '{name}' must be an array of strings, got {Kind(v)}");
        var list = new List<string>(v.GetArrayLength());
        foreach (var item in v.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.String)
                throw Error($"field '{name}' must be an array of strings, item {list.Count} is {Kind(item)}");
            list.Add(Text(item, name));
        }
        if (list.Count < minCount) throw Error($"field '{name}' has {list.Count} items, needs at least {minCount}");
        return list;
    }

    /// <summary>The record's id: the <paramref name="name"/> field (string or number) when present, else the record index.</summary>
    public string Id(string name = "id")
    {
        if (!Has(name)) return Index.ToString(CultureInfo.InvariantCulture);
        var v = Root.GetProperty(name);
        return v.ValueKind switch
        {
            JsonValueKind.String => Text(v, name),
            JsonValueKind.Number => v.GetRawText(),
            _ => throw Error($"field '{name}' must be a string or a number, got {Kind(v)}"),
        };
    }

    // GetString throws InvalidOperationException for an escaped lone surrogate ("\ud800"), which JSON syntax allows.
    private string Text(JsonElement v, string name)
    {
        try { return v.GetString()!; }
        catch (InvalidOperationException) { throw Error($"field '{name}' holds an unpaired UTF-16 surrogate escape"); }
    }

    private JsonElement Field(string name)
    {
        if (!Root.TryGetProperty(name, out var v)) throw Error($"missing field '{name}'{RecordShapes.Hint(Root)}");
        if (v.ValueKind == JsonValueKind.Null) throw Error($"field '{name}' is null");
        return v;
    }

    private static string Kind(JsonElement v) => v.ValueKind.ToString().ToLowerInvariant();

    private static string Describe(JsonElement v)
    {
        var raw = v.GetRawText();
        return raw.Length <= 40 ? raw : raw[..40] + "...";
    }
}
