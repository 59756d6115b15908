using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Muscle.LmEval;

/// <summary>
/// Python's <c>json.dumps(obj, ensure_ascii=False)</c> and <c>indent=2</c>, <c>str()</c> and lm-eval's
/// <c>hash_string</c>, byte for byte, so the hashes in a samples file written here are the ones lm-eval computes
/// (lm-evaluation-harness v0.4.x, <c>lm_eval/utils.py</c>: <c>hash_string(s) = hashlib.sha256(s.encode("utf-8")).hexdigest()</c>).
/// <list type="bullet">
/// <item>Separators: <c>", "</c> and <c>": "</c> without indent; with an indent, <c>","</c> then a newline and the
/// indent per level, and <c>": "</c> (Python 3.4+ defaults); empty lists and objects stay <c>[]</c> and <c>{}</c>.</item>
/// <item>Strings: <c>"</c> and <c>\</c> escaped, <c>\n \r \t \b \f</c> by name, every other character below U+0020 as
/// <c>\u00xx</c> (lower-case hex); everything else, non-ASCII included, kept as is (<c>ensure_ascii=False</c>).</item>
/// <item>Floats as Python's <c>repr</c>: the shortest digits that round-trip, fixed notation for decimal exponents
/// in [−4, 16) with at least one digit after the point (<c>1.0</c>), else <c>1e-05</c> / <c>1.5e+16</c>;
/// <c>NaN</c>, <c>Infinity</c>, <c>-Infinity</c> as json.dumps writes them (allow_nan).</item>
/// </list>
/// Numbers are told apart by the CLR type under the node: int/long (and the other integer types) print as Python
/// ints, double/float/decimal as Python floats.
/// </summary>
public static class PythonJson
{
    /// <summary><c>json.dumps(node, ensure_ascii=False)</c>, or with <c>indent=<paramref name="indent"/></c>.</summary>
    public static string Dumps(JsonNode? node, int? indent = null)
    {
        var sb = new StringBuilder();
        Write(sb, node, indent, 0);
        return sb.ToString();
    }

    /// <summary>lm-eval's <c>hash_string</c>: the SHA-256 hex digest (lower case) of the UTF-8 bytes.</summary>
    public static string HashString(string s)
    {
        ArgumentNullException.ThrowIfNull(s);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(s)));
    }

    /// <summary>
    /// Python's <c>str()</c> of a leaf value, as lm-eval's <c>sanitize_list</c> applies it to <c>resps</c>: strings as they
    /// are, <c>True</c>/<c>False</c>, ints in digits, floats as <c>repr</c> (<c>nan</c>, <c>inf</c>, <c>-inf</c>), None as <c>None</c>.
    /// </summary>
    public static string Str(JsonNode? node) => Leaf(node) switch
    {
        null => "None",
        string s => s,
        bool b => b ? "True" : "False",
        double d => double.IsNaN(d) ? "nan" : double.IsPositiveInfinity(d) ? "inf" : double.IsNegativeInfinity(d) ? "-inf" : FloatRepr(d),
        long n => n.ToString(CultureInfo.InvariantCulture),
        _ => throw new ArgumentException("str() of a dict is Python's repr, which is not written here", nameof(node)),
    };

    /// <summary>
    /// lm-eval's <c>sanitize_list</c>: lists (and tuples, written as lists) keep their shape, every other value becomes
    /// <see cref="Str"/> of it.
    /// </summary>
    public static JsonNode SanitizeList(JsonNode? node) => node is JsonArray a
        ? new JsonArray([.. a.Select(SanitizeList)])
        : JsonValue.Create(Str(node));

    /// <summary>Python's <c>repr(float)</c> of a finite double (see the class notes).</summary>
    public static string FloatRepr(double d)
    {
        if (!double.IsFinite(d)) throw new ArgumentOutOfRangeException(nameof(d), d, "not finite");
        if (d == 0) return double.IsNegative(d) ? "-0.0" : "0.0";
        var sign = d < 0 ? "-" : "";
        var r = Math.Abs(d).ToString("R", CultureInfo.InvariantCulture);
        var e = r.IndexOfAny(['E', 'e']);
        var mantissa = e < 0 ? r : r[..e];
        var exp10 = e < 0 ? 0 : int.Parse(r[(e + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        var point = mantissa.IndexOf('.');
        var digits = point < 0 ? mantissa : mantissa.Remove(point, 1);
        var pointPos = (point < 0 ? mantissa.Length : point) + exp10; // value = 0.digits × 10^pointPos
        var lead = 0;
        while (lead < digits.Length - 1 && digits[lead] == '0') lead++;
        digits = digits[lead..];
        pointPos -= lead;
        digits = digits.TrimEnd('0');
        if (digits.Length == 0) digits = "0";
        var x = pointPos - 1; // value = d.ddd × 10^x
        if (x is >= -4 and < 16)
        {
            if (x < 0) return sign + "0." + new string('0', -x - 1) + digits;
            var intPart = digits.Length > x + 1 ? digits[..(x + 1)] : digits.PadRight(x + 1, '0');
            var frac = digits.Length > x + 1 ? digits[(x + 1)..] : "0";
            return sign + intPart + "." + frac;
        }
        var m = digits.Length > 1 ? digits[0] + "." + digits[1..] : digits;
        return sign + m + "e" + (x < 0 ? "-" : "+") + Math.Abs(x).ToString("00", CultureInfo.InvariantCulture);
    }

    /// <summary>The value under a leaf node, normalised to string, bool, long or double (null for a JSON null).</summary>
    private static object? Leaf(JsonNode? node)
    {
        if (node is null) return null;
        if (node is not JsonValue v) return node;
        var value = v.GetValue<object>();
        return value switch
        {
            string or bool or double => value,
            int or long or short or sbyte or byte or ushort or uint => Convert.ToInt64(value, CultureInfo.InvariantCulture),
            ulong u => u <= long.MaxValue ? (long)u : (double)u,
            float f => (double)f,
            decimal m => (double)m,
            char c => c.ToString(),
            JsonElement el => el.ValueKind switch
            {
                JsonValueKind.String => el.GetString(),
                JsonValueKind.True => true,
                JsonValueKind.False => false,
                JsonValueKind.Null => null,
                JsonValueKind.Number when el.TryGetInt64(out var n) => n,
                JsonValueKind.Number => el.GetDouble(),
                _ => throw new ArgumentException($"unexpected JSON element {el.ValueKind}"),
            },
            _ => throw new ArgumentException($"no Python JSON form for {value.GetType().Name}"),
        };
    }

    private static void Write(StringBuilder sb, JsonNode? node, int? indent, int level)
    {
        switch (node)
        {
            case JsonObject o:
                if (o.Count == 0) { sb.Append("{}"); return; }
                sb.Append('{');
                var first = true;
                foreach (var (key, value) in o)
                {
                    if (!first) sb.Append(indent is null ? ", " : ",");
                    first = false;
                    NewLine(sb, indent, level + 1);
                    String(sb, key);
                    sb.Append(": ");
                    Write(sb, value, indent, level + 1);
                }
                NewLine(sb, indent, level);
                sb.Append('}');
                return;
            case JsonArray a:
                if (a.Count == 0) { sb.Append("[]"); return; }
                sb.Append('[');
                for (var i = 0; i < a.Count; i++)
                {
                    if (i > 0) sb.Append(indent is null ? ", " : ",");
                    NewLine(sb, indent, level + 1);
                    Write(sb, a[i], indent, level + 1);
                }
                NewLine(sb, indent, level);
                sb.Append(']');
                return;
        }
        switch (Leaf(node))
        {
            case null: sb.Append("null"); break;
            case string s: String(sb, s); break;
            case bool b: sb.Append(b ? "true" : "false"); break;
            case long n: sb.Append(n.ToString(CultureInfo.InvariantCulture)); break;
            case double d:
                sb.Append(double.IsNaN(d) ? "NaN" : double.IsPositiveInfinity(d) ? "Infinity" : double.IsNegativeInfinity(d) ? "-Infinity" : FloatRepr(d));
                break;
        }
    }

    private static void NewLine(StringBuilder sb, int? indent, int level)
    {
        if (indent is not { } n) return;
        sb.Append('\n').Append(' ', n * level);
    }

    private static void String(StringBuilder sb, string s)
    {
        sb.Append('"');
        foreach (var ch in s)
        {
            switch (ch)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                case '\b': sb.Append("\\b"); break;
                case '\f': sb.Append("\\f"); break;
                default:
                    if (ch < 0x20) sb.Append("\\u").Append(((int)ch).ToString("x4", CultureInfo.InvariantCulture));
                    else sb.Append(ch);
                    break;
            }
        }
        sb.Append('"');
    }
}
