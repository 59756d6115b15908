namespace Muscle.Conversion;

/// <summary>
/// Recognises a folder of llama2.c files (a <c>.bin</c> checkpoint and its tokenizer, no <c>config.json</c>) given where
/// an HF model directory is expected, so the error can say what it is and how to convert it.
/// </summary>
public static class Llama2cDirectory
{
    /// <summary>
    /// The hint for <paramref name="dir"/> when it has no <c>config.json</c> but a llama2.c checkpoint (a <c>.bin</c> whose
    /// first 28 bytes read as <see cref="Llama2cHeader"/>, as <c>run.c</c> reads them); null otherwise.
    /// </summary>
    public static string? ConversionHint(string dir)
    {
        if (!Directory.Exists(dir) || File.Exists(Path.Combine(dir, "config.json"))) return null;
        var checkpoint = Directory.EnumerateFiles(dir, "*.bin").Where(IsCheckpoint).OrderByDescending(f => new FileInfo(f).Length)
            .ThenBy(f => f, StringComparer.Ordinal).FirstOrDefault();
        if (checkpoint is null) return null;
        // convert llama2c reads the SentencePiece .model (llama2.c's own tokenizer .bin has no merges to rebuild it from).
        var tokenizer = Directory.EnumerateFiles(dir, "*.model").Order(StringComparer.Ordinal).FirstOrDefault();
        var outDir = Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(dir))) + "-hf";
        return $"no config.json: this looks like a llama2.c checkpoint ({Path.GetFileName(checkpoint)}), not an HF model directory; convert it first: " +
               $"muscle convert llama2c --checkpoint {checkpoint} --tokenizer {tokenizer ?? "<its tokenizer.model>"} --out {outDir}";
    }

    /// <summary>The 7-int header of run.c, with sizes a real model has (a tokenizer .bin starts with a small max token length).</summary>
    private static bool IsCheckpoint(string path)
    {
        try
        {
            using var reader = new BinaryReader(File.OpenRead(path));
            if (reader.BaseStream.Length < 28) return false;
            var h = Enumerable.Range(0, 7).Select(_ => reader.ReadInt32()).ToArray();
            // dim, hidden_dim, n_layers, n_heads, n_kv_heads, vocab_size (negative: unshared classifier), seq_len.
            var (dim, hidden, layers, heads, kvHeads, vocab, seqLen) = (h[0], h[1], h[2], h[3], h[4], Math.Abs(h[5]), h[6]);
            // Bounds no real model passes (a zip's or pickle's first bytes read as ints would).
            return dim is > 0 and <= 1 << 16 && hidden is > 0 and <= 1 << 18 && layers is > 0 and <= 1024
                   && heads is > 0 and <= 1024 && kvHeads is > 0 && vocab is > 0 and <= 1 << 22 && seqLen is > 0 and <= 1 << 20
                   && dim % heads == 0 && heads % kvHeads == 0 && (long)dim * vocab * 4 + 28 <= reader.BaseStream.Length;
        }
        catch (IOException)
        {
            return false;
        }
    }
}
