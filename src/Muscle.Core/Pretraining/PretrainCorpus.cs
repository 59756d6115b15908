using System.Security.Cryptography;
using System.Text;
using Muscle.Infrastructure;
using Muscle.Tokenization;

namespace Muscle.Pretraining;

/// <summary>
/// A plain-text corpus as a language-model stream cut into training windows.
/// <para>
/// Documents are separated by one or more blank (whitespace-only) lines; the lines of a document are joined by
/// "\n" ("\r\n" is read as "\n"). Each document is encoded as the tokenizer encodes a prompt — BOS first when the
/// tokenizer adds BOS, EOS last when it adds EOS — and when it adds neither, its EOS is appended as the document
/// separator (GPT-2's convention). The documents are concatenated into one stream of L tokens and cut into
/// N = (L − 1) / T windows of T + 1 tokens that start every T tokens (window k holds tokens kT … kT + T), so every
/// token after the first is predicted exactly once per epoch; the last partial window is dropped.
/// </para>
/// </summary>
public sealed class PretrainCorpus
{
    private readonly int[] _tokens;

    private PretrainCorpus(string path, int[] tokens, int documents, int seqLen, string sha256)
    {
        Path = path;
        _tokens = tokens;
        Documents = documents;
        SeqLen = seqLen;
        Sha256 = sha256;
        WindowCount = (int)Math.Min(int.MaxValue, (tokens.LongLength - 1) / seqLen);
    }

    public string Path { get; }

    /// <summary>SHA-256 (lower-case hex) of the corpus file's bytes, recorded in the recipe and checked on resume.</summary>
    public string Sha256 { get; }

    public int Documents { get; }

    /// <summary>Tokens of the whole stream, BOS/EOS included.</summary>
    public long Tokens => _tokens.LongLength;

    /// <summary>T: positions per window that are fed (and predicted).</summary>
    public int SeqLen { get; }

    public int WindowCount { get; }

    /// <summary>Reads and encodes <paramref name="path"/>; an unreadable, empty or too short corpus is a <see cref="MuscleInputException"/>.</summary>
    public static PretrainCorpus Load(string path, MuscleTokenizer tokenizer, int seqLen)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(seqLen);
        byte[] bytes;
        try { bytes = File.ReadAllBytes(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new MuscleInputException($"cannot read corpus: {e.Message}", path, inner: e);
        }
        var text = new UTF8Encoding(false, throwOnInvalidBytes: false).GetString(bytes);
        var documents = SplitDocuments(text);
        if (documents.Count == 0) throw new MuscleInputException("corpus holds no text (documents are separated by blank lines)", path);

        var appendSeparator = !tokenizer.AddsBos && !tokenizer.AddsEos && tokenizer.EosId is not null;
        var stream = new List<int>(bytes.Length / 3);
        foreach (var doc in documents)
        {
            stream.AddRange(tokenizer.Encode(doc, addBos: true));
            if (appendSeparator) stream.Add(tokenizer.EosId!.Value);
        }
        if (stream.Count < seqLen + 1)
            throw new MuscleInputException(
                $"corpus has {stream.Count} tokens, fewer than one training window (--seq-len {seqLen} + 1); use more text or a shorter --seq-len", path);
        return new PretrainCorpus(System.IO.Path.GetFullPath(path), [.. stream], documents.Count, seqLen,
            Convert.ToHexStringLower(SHA256.HashData(bytes)));
    }

    /// <summary>The documents of <paramref name="text"/>: runs of non-blank lines, blank lines between them.</summary>
    public static List<string> SplitDocuments(string text)
    {
        var docs = new List<string>();
        var current = new StringBuilder();
        foreach (var line in text.ReplaceLineEndings("\n").Split('\n'))
        {
            if (string.IsNullOrWhiteSpace(line))
            {
                Flush();
                continue;
            }
            if (current.Length > 0) current.Append('\n');
            current.Append(line);
        }
        Flush();
        return docs;

        void Flush()
        {
            if (current.Length > 0) docs.Add(current.ToString());
            current.Clear();
        }
    }

    /// <summary>Window <paramref name="index"/>'s T + 1 tokens, written as int64 into <paramref name="destination"/>.</summary>
    public void CopyWindow(int index, Span<long> destination)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, WindowCount);
        var src = _tokens.AsSpan((int)((long)index * SeqLen), SeqLen + 1);
        for (var i = 0; i < src.Length; i++) destination[i] = src[i];
    }

    /// <summary>
    /// The window order of epoch <paramref name="epoch"/> (0-based): a Fisher–Yates shuffle driven by xoshiro256**
    /// (<see cref="StableRandom"/>) on the stream named "pretrain/epoch/{epoch}" of <paramref name="seed"/>, so each
    /// epoch has its own permutation, identical on every machine and in every process (which a resume relies on).
    /// </summary>
    public static int[] EpochOrder(int windowCount, long seed, long epoch)
    {
        var order = Enumerable.Range(0, windowCount).ToArray();
        StableRandom.Stream(seed, "pretrain/epoch/" + epoch.ToString(System.Globalization.CultureInfo.InvariantCulture)).Shuffle(order);
        return order;
    }
}
