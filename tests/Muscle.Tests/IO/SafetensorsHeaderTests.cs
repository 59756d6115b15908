using System.Text;
using Muscle.Infrastructure;
using Muscle.IO;

namespace Muscle.Tests.IO;

/// <summary>Header validation on hand-built images: every defect is a MuscleInputException naming what and where.</summary>
public class SafetensorsHeaderTests
{
    private const string Path = "bad.safetensors";

    private static MuscleInputException ParseFails(byte[] image, long? fileLength = null)
    {
        var e = Assert.Throws<MuscleInputException>(() => SafetensorsHeader.Parse(image, fileLength ?? image.Length, Path));
        Assert.Equal(Path, e.File);
        Assert.StartsWith("safetensors header: ", e.Message);
        return e;
    }

    [Theory]
    [InlineData("""{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}""", 4, "data_offsets [0, 8] lie outside the data region of 4 bytes for tensor 'w'")]
    [InlineData("""{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}""", 12, "overlap tensor 'a' [0, 8] for tensor 'b'")]
    [InlineData("""{"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}""", 8, "shape [3] × F32 (4 bytes) needs 12 bytes but data_offsets [0, 8] span 8 for tensor 'w'")]
    [InlineData("""{"w":{"dtype":"F8_E4M3","shape":[2],"data_offsets":[0,2]}}""", 2, "unknown dtype 'F8_E4M3'")]
    [InlineData("""{"w":{"dtype":"f32","shape":[2],"data_offsets":[0,8]}}""", 8, "unknown dtype 'f32'")]
    [InlineData("""{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]""", 8, "header is not valid JSON")]
    [InlineData("""{"w":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}}""", 8, "have begin > end for tensor 'w'")]
    [InlineData("""{"w":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}}""", 8, "shape must be a list of non-negative integers for tensor 'w'")]
    [InlineData("""{"w":{"dtype":"F32","shape":[2.5],"data_offsets":[0,8]}}""", 8, "shape must be a list of non-negative integers for tensor 'w'")]
    [InlineData("""{"w":{"dtype":"F32","shape":"2","data_offsets":[0,8]}}""", 8, "shape must be a list of non-negative integers for tensor 'w'")]
    [InlineData("""{"w":{"dtype":"F32","shape":[2],"data_offsets":[0]}}""", 8, "data_offsets must be [begin, end] with non-negative integers for tensor 'w'")]
    [InlineData("""{"w":{"dtype":"F32","data_offsets":[0,8]}}""", 8, "missing shape for tensor 'w'")]
    [InlineData("""{"w":{"shape":[2],"data_offsets":[0,8]}}""", 8, "missing dtype for tensor 'w'")]
    [InlineData("""{"w":{"dtype":"F32","shape":[2]}}""", 8, "missing data_offsets for tensor 'w'")]
    [InlineData("""{"w":[1,2]}""", 0, "entry is not a JSON object for tensor 'w'")]
    [InlineData("""{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}""", 8, "duplicate entry for tensor 'w'")]
    [InlineData("""{"__metadata__":{"format":1}}""", 0, "__metadata__ value for 'format' is not a string")]
    [InlineData("""{"__metadata__":[]}""", 0, "__metadata__ is not a JSON object")]
    [InlineData("""{"w":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,8]}}""", 8, "shape [4294967296, 4294967296] is too large for tensor 'w'")]
    [InlineData(""" {"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}""", 8, "header does not start with '{'")]
    [InlineData("""{"w\ud800":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}""", 8, "header holds a string that is not valid Unicode")]
    [InlineData("""{"__metadata__":{"k":"\udc00"}}""", 0, "header holds a string that is not valid Unicode")]
    public void RejectsDefectiveHeader(string json, int dataBytes, string expected)
    {
        var e = ParseFails(IoTestFiles.Image(json, dataBytes));
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void OffsetsOutsideDataReportTheSizeTheFileShouldHave()
    {
        var json = """{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}""";
        var image = IoTestFiles.Image(json, 5);
        var e = ParseFails(image);
        Assert.Contains($"truncated: expected {image.Length + 3} bytes, file has {image.Length}", e.Message);
    }

    [Fact]
    public void HeaderLengthBeyondTheFileIsRejected()
    {
        var e = ParseFails(IoTestFiles.Image("{}", 0, headerLengthOverride: 1000));
        Assert.Contains("header length 1000 exceeds the file (truncated: expected at least 1008 bytes, file has 10)", e.Message);
    }

    [Theory]
    [InlineData(0L, "header length is 0")]
    [InlineData(100_000_001L, "header length 100000001 exceeds the limit of 100000000 bytes")]
    [InlineData(long.MaxValue, "exceeds the limit")]
    [InlineData(-1L, "exceeds the limit")] // 2^64 - 1 as unsigned
    public void ImplausibleHeaderLengthsAreRejected(long n, string expected)
    {
        var e = ParseFails(IoTestFiles.Image("{}", 0, headerLengthOverride: n));
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void FileShorterThanTheLengthPrefixIsTruncated()
    {
        var e = ParseFails([1, 0, 0]);
        Assert.Contains("truncated: expected at least 8 bytes, file has 3", e.Message);
    }

    [Fact]
    public void InvalidUtf8IsRejected()
    {
        var image = IoTestFiles.Image("{\"wx\":{}}", 0);
        image[8 + 4] = 0xFF;
        Assert.Contains("not valid UTF-8", ParseFails(image).Message);
    }

    [Fact]
    public void HeaderLengthCountsUtf8BytesNotCharacters()
    {
        const string json = """{"gewicht.ä.名":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}""";
        var header = SafetensorsHeader.Parse(IoTestFiles.Image(json, 1), 8 + Encoding.UTF8.GetByteCount(json) + 1, Path);
        Assert.Equal(Encoding.UTF8.GetByteCount(json), header.HeaderLength);
        Assert.Equal(json.Length + 3, header.HeaderLength); // ä is 2 bytes, 名 is 3: counting chars would be 3 short
        Assert.Equal("gewicht.ä.名", Assert.Single(header.Entries).Name);

        // A writer that counts UTF-16 chars (the PyBridge bug) produces a header our parser must refuse.
        var miscounted = IoTestFiles.Image(json, 1, headerLengthOverride: json.Length);
        Assert.Contains("not valid", ParseFails(miscounted).Message);
    }

    [Fact]
    public void EntriesAreSortedByOffsetWhateverTheJsonOrder()
    {
        const string json = """
            {"z":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"__metadata__":{"format":"pt"},
             "a":{"dtype":"I64","shape":[1],"data_offsets":[4,12]},"m":{"dtype":"F32","shape":[0],"data_offsets":[12,12]}}
            """;
        var header = SafetensorsHeader.Parse(IoTestFiles.Image(json, 12), 8 + Encoding.UTF8.GetByteCount(json) + 12, Path);
        Assert.Equal(["z", "a", "m"], header.Names);
        Assert.Equal("pt", header.Metadata["format"]);
        Assert.Empty(header.Warnings);
    }

    [Fact]
    public void GapsAndTrailingBytesAreWarningsNotErrors()
    {
        const string json = """{"a":{"dtype":"U8","shape":[2],"data_offsets":[0,2]},"b":{"dtype":"U8","shape":[2],"data_offsets":[5,7]}}""";
        var image = IoTestFiles.Image(json, 10);
        var header = SafetensorsHeader.Parse(image, image.Length, Path);
        Assert.Equal(["3 unused bytes before tensor 'b'", "3 unused bytes after the last tensor"], header.Warnings);
    }

    [Fact]
    public void StreamAndSpanOverloadsAgree()
    {
        const string json = """{"w":{"dtype":"BF16","shape":[2,3],"data_offsets":[0,12]}}""";
        var image = IoTestFiles.Image(json, 12);
        var fromSpan = SafetensorsHeader.Parse(image, image.Length, Path);
        var fromStream = SafetensorsHeader.Parse(new MemoryStream(image), image.Length, Path);
        var (a, b) = (fromSpan.Entries.Single(), fromStream.Entries.Single());
        Assert.Equal((a.Name, a.DType, a.Begin, a.End), (b.Name, b.DType, b.Begin, b.End));
        Assert.Equal([2L, 3L], a.Shape);
        Assert.Equal([2L, 3L], b.Shape);
        Assert.Equal(fromSpan.DataOffset, fromStream.DataOffset);

        var cut = image[..20];
        var e = Assert.Throws<MuscleInputException>(() => SafetensorsHeader.Parse(new MemoryStream(cut), image.Length, Path));
        Assert.Contains("truncated", e.Message);
    }
}
