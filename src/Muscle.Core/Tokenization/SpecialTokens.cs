using Muscle.Infrastructure;

namespace Muscle.Tokenization;

/// <summary>
/// Names of the special tokens of a SentencePiece tokenizer and whether encoding adds BOS/EOS. Names, not ids:
/// they are resolved against the model's pieces, so a model with other ids cannot be mislabelled.
/// </summary>
public sealed record SpecialTokens(string? Bos, string? Eos, string? Unk, string? Pad = null)
{
    public bool AddBos { get; init; } = true;
    public bool AddEos { get; init; }

    /// <summary>The pieces a SentencePiece model's own trainer spec names (bos_id, eos_id, unk_id, pad_id).</summary>
    public static SpecialTokens FromSentencePieceModel(string modelPath) =>
        FromModel(SentencePieceModel.Read(ReadModelBytes(modelPath), modelPath));

    internal static SpecialTokens FromModel(SentencePieceModel model) =>
        new(model.PieceAt(model.BosId), model.PieceAt(model.EosId), model.PieceAt(model.UnkId), model.PieceAt(model.PadId));

    internal static byte[] ReadModelBytes(string modelPath)
    {
        try
        {
            return File.ReadAllBytes(modelPath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new MuscleInputException($"cannot read SentencePiece model: {e.Message}", modelPath, inner: e);
        }
    }
}
