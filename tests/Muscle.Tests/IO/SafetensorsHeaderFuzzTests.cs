using System.Buffers.Binary;
using System.Diagnostics;
using System.Text;
using Muscle.Infrastructure;
using Muscle.IO;
using Xunit.Abstractions;

namespace Muscle.Tests.IO;

/// <summary>
/// Random and mutated headers through <see cref="SafetensorsHeader.Parse(ReadOnlySpan{byte}, long, string)"/>: the only
/// exception allowed out is MuscleInputException, and whatever parses must satisfy the header's invariants.
/// 2,000 iterations by default; set MUSCLE_FUZZ_ITERATIONS for a longer run (the seed stays fixed).
/// </summary>
public class SafetensorsHeaderFuzzTests(ITestOutputHelper output)
{
    private static readonly string[] DTypes = ["F64", "F32", "F16", "BF16", "I64", "I32", "I16", "I8", "U8", "BOOL", "F8_E4M3", "bf16", "", "C64"];

    private static readonly string[] Tokens =
    [
        "-1", "0", "1e400", "1.5", "18446744073709551615", "9223372036854775807", "-9223372036854775808", "null", "true",
        "[]", "{}", "[0]", "[0,0,0]", "\"\"", "\"F32\"", "\"__metadata__\"", "\"dtype\"", "\"shape\"", "\"data_offsets\"",
        "\\u0000", "\\ud800", "ä名", ",", ":", "{", "}", "[", "]", "\"", new string('[', 100) + new string(']', 100),
    ];

    [Fact]
    public void OnlyInputErrorsEscapeTheParser()
    {
        var iterations = int.TryParse(Environment.GetEnvironmentVariable("MUSCLE_FUZZ_ITERATIONS"), out var n) && n > 0 ? n : 2000;
        var random = new Random(20240709);
        var (parsed, rejected) = (0, 0);
        var watch = Stopwatch.StartNew();
        for (var i = 0; i < iterations; i++)
        {
            var (image, fileLength) = (i % 4) switch
            {
                0 => (RandomBytes(random), -1L),
                1 => (Mutate(random, ValidImage(random)), -1L),
                2 => (RandomStructure(random), -1L),
                _ => (ValidImage(random), random.Next(3) == 0 ? -1L : random.NextInt64(0, 400)),
            };
            if (fileLength < 0) fileLength = image.Length;
            try
            {
                var header = i % 8 == 7
                    ? SafetensorsHeader.Parse(new MemoryStream(image), fileLength, "fuzz")
                    : SafetensorsHeader.Parse(image, fileLength, "fuzz");
                AssertInvariants(header, fileLength);
                parsed++;
            }
            catch (MuscleInputException e)
            {
                Assert.Equal("fuzz", e.File);
                Assert.StartsWith("safetensors header: ", e.Message);
                rejected++;
            }
            catch (Exception e)
            {
                Assert.Fail($"iteration {i}: {e.GetType().Name} escaped for input {Convert.ToBase64String(image)} (file length {fileLength}): {e}");
            }
        }
        output.WriteLine($"{iterations} inputs in {watch.ElapsedMilliseconds} ms: {parsed} parsed, {rejected} rejected");
        // Both outcomes must be common, or the generators have stopped exercising one side of the parser.
        Assert.True(parsed > iterations / 10, $"only {parsed} of {iterations} inputs parsed");
        Assert.True(rejected > iterations / 4, $"only {rejected} of {iterations} inputs were rejected");
    }

    private static void AssertInvariants(SafetensorsHeader header, long fileLength)
    {
        Assert.InRange(header.HeaderLength, 1, Math.Min(SafetensorsHeader.MaxHeaderLength, fileLength - 8));
        long covered = 0;
        foreach (var entry in header.Entries)
        {
            Assert.InRange(entry.Begin, 0, entry.End);
            Assert.True(entry.End <= header.DataLength);
            Assert.Equal(entry.ByteLength, entry.Shape.Aggregate(1L, (a, b) => a * b) * entry.DType.Size());
            if (entry.ByteLength == 0) continue;
            Assert.True(entry.Begin >= covered, "entries overlap or are unsorted");
            covered = entry.End;
        }
    }

    private static byte[] RandomBytes(Random random)
    {
        var bytes = new byte[random.Next(0, 120)];
        random.NextBytes(bytes);
        // Half the time a plausible length prefix, so the JSON stage is reached too.
        if (bytes.Length >= 8 && random.Next(2) == 0)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)random.Next(0, bytes.Length - 7));
            if (bytes.Length > 8) bytes[8] = (byte)'{';
        }
        return bytes;
    }

    /// <summary>A well-formed file with 0–5 tensors, in random JSON order, sometimes with gaps and metadata.</summary>
    private static byte[] ValidImage(Random random)
    {
        var parts = new List<string>();
        long offset = 0;
        for (var t = random.Next(0, 6); t > 0; t--)
        {
            var dtype = DTypes[random.Next(10)];
            var size = dtype switch { "F64" or "I64" => 8, "F32" or "I32" => 4, "F16" or "BF16" or "I16" => 2, _ => 1 };
            var shape = Enumerable.Range(0, random.Next(0, 4)).Select(_ => (long)random.Next(0, 4)).ToArray();
            var bytes = shape.Aggregate(1L, (a, b) => a * b) * size;
            offset += random.Next(4) == 0 ? random.Next(0, 5) : 0;
            parts.Add($"\"t{t}.ä\":{{\"dtype\":\"{dtype}\",\"shape\":[{string.Join(",", shape)}],\"data_offsets\":[{offset},{offset + bytes}]}}");
            offset += bytes;
        }
        if (random.Next(3) == 0) parts.Add("\"__metadata__\":{\"format\":\"pt\"}");
        var json = "{" + string.Join(",", parts.OrderBy(_ => random.Next())) + "}" + new string(' ', random.Next(0, 8));
        return IoTestFiles.Image(json, (int)offset + random.Next(0, 3));
    }

    /// <summary>Random JSON-ish documents built from header vocabulary, valid or not.</summary>
    private static byte[] RandomStructure(Random random)
    {
        var text = new StringBuilder("{");
        for (var k = random.Next(0, 4); k > 0; k--)
        {
            text.Append($"\"{(random.Next(5) == 0 ? "__metadata__" : "w" + k)}\":{{");
            text.Append($"\"dtype\":\"{DTypes[random.Next(DTypes.Length)]}\",");
            text.Append($"\"shape\":[{string.Join(",", Enumerable.Range(0, random.Next(0, 3)).Select(_ => Tokens[random.Next(6)]))}],");
            text.Append($"\"data_offsets\":[{Tokens[random.Next(Tokens.Length)]},{random.Next(0, 64)}]}}");
            if (k > 1) text.Append(',');
        }
        text.Append('}');
        return IoTestFiles.Image(text.ToString(), random.Next(0, 64));
    }

    private static byte[] Mutate(Random random, byte[] image)
    {
        var bytes = new List<byte>(image);
        for (var m = random.Next(1, 4); m > 0; m--)
        {
            var at = bytes.Count == 0 ? 0 : random.Next(bytes.Count);
            switch (random.Next(6))
            {
                case 0 when bytes.Count > 0:
                    bytes[at] ^= (byte)(1 << random.Next(8));
                    break;
                case 1 when bytes.Count > 0:
                    bytes.RemoveRange(at, Math.Min(random.Next(1, 6), bytes.Count - at));
                    break;
                case 2:
                    bytes.InsertRange(at, Encoding.UTF8.GetBytes(Tokens[random.Next(Tokens.Length)]));
                    break;
                case 3:
                    bytes.RemoveRange(at, bytes.Count - at); // truncation anywhere, including the length prefix
                    break;
                case 4 when bytes.Count >= 8:
                    var n = BinaryPrimitives.ReadInt64LittleEndian(bytes.Take(8).ToArray()) + random.Next(-9, 10);
                    for (var b = 0; b < 8; b++) bytes[b] = (byte)(n >> (8 * b));
                    break;
                default:
                    if (bytes.Count > 0) bytes[at] = (byte)random.Next(256);
                    break;
            }
        }
        return bytes.ToArray();
    }
}
