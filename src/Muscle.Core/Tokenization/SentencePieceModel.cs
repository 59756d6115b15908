using System.Text;
using Muscle.Infrastructure;

namespace Muscle.Tokenization;

/// <summary>SentencePiece piece types (sentencepiece_model.proto, <c>SentencePiece.Type</c>).</summary>
internal enum PieceType
{
    Normal = 1,
    Unknown = 2,
    Control = 3,
    UserDefined = 4,
    Unused = 5,
    Byte = 6,
}

internal readonly record struct SentencePiece(string Piece, float Score, PieceType Type);

/// <summary>
/// The subset of a SentencePiece <c>ModelProto</c> we need: the pieces with scores and types, the special ids
/// from <c>TrainerSpec</c>, and the whitespace switches of <c>NormalizerSpec</c>. Reading keeps the original
/// bytes (for <c>LlamaTokenizer</c>, so fields we do not model survive); writing builds a minimal model from a
/// tokenizer.json vocabulary. Hand-rolled protobuf because the format is six varint/length fields deep and
/// not worth a package.
/// </summary>
internal sealed class SentencePieceModel
{
    public const int ModelTypeUnigram = 1;
    public const int ModelTypeBpe = 2;

    public required IReadOnlyList<SentencePiece> Pieces { get; init; }
    public int ModelType { get; init; } = ModelTypeUnigram;
    public bool ByteFallback { get; init; }
    public int UnkId { get; init; }
    public int BosId { get; init; } = 1;
    public int EosId { get; init; } = 2;
    public int PadId { get; init; } = -1;
    public string NormalizerName { get; init; } = "identity";
    public bool AddDummyPrefix { get; init; } = true;
    public bool RemoveExtraWhitespaces { get; init; } = true;
    public bool EscapeWhitespaces { get; init; } = true;

    public string? PieceAt(int id) => id >= 0 && id < Pieces.Count ? Pieces[id].Piece : null;

    public static SentencePieceModel Read(byte[] bytes, string file)
    {
        try
        {
            return Parse(bytes);
        }
        catch (Exception e) when (e is FormatException or IndexOutOfRangeException or ArgumentException)
        {
            throw new MuscleInputException($"not a SentencePiece model (corrupt protobuf: {e.Message})", file, inner: e);
        }
    }

    private static SentencePieceModel Parse(byte[] bytes)
    {
        var pieces = new List<SentencePiece>();
        int modelType = ModelTypeUnigram, unk = 0, bos = 1, eos = 2, pad = -1;
        bool byteFallback = false, dummy = true, removeWs = true, escape = true;
        var name = "identity";
        var top = new ProtoReader(bytes, 0, bytes.Length);
        while (top.Next(out var field, out var wire))
        {
            if (field == 1 && wire == 2)
            {
                var (s, e) = top.LengthDelimited();
                var r = new ProtoReader(bytes, s, e);
                string piece = "";
                float score = 0;
                var type = PieceType.Normal;
                while (r.Next(out var f, out var w))
                {
                    if (f == 1 && w == 2) piece = r.String();
                    else if (f == 2 && w == 5) score = r.Fixed32Float();
                    else if (f == 3 && w == 0) type = (PieceType)(int)r.Varint();
                    else r.Skip(w);
                }
                pieces.Add(new SentencePiece(piece, score, type));
            }
            else if (field == 2 && wire == 2)
            {
                var (s, e) = top.LengthDelimited();
                var r = new ProtoReader(bytes, s, e);
                while (r.Next(out var f, out var w))
                {
                    switch (f, w)
                    {
                        case (3, 0): modelType = (int)r.Varint(); break;
                        case (35, 0): byteFallback = r.Varint() != 0; break;
                        case (40, 0): unk = (int)r.Varint(); break;
                        case (41, 0): bos = (int)r.Varint(); break;
                        case (42, 0): eos = (int)r.Varint(); break;
                        case (43, 0): pad = (int)r.Varint(); break;
                        default: r.Skip(w); break;
                    }
                }
            }
            else if (field == 3 && wire == 2)
            {
                var (s, e) = top.LengthDelimited();
                var r = new ProtoReader(bytes, s, e);
                while (r.Next(out var f, out var w))
                {
                    switch (f, w)
                    {
                        case (1, 2): name = r.String(); break;
                        case (3, 0): dummy = r.Varint() != 0; break;
                        case (4, 0): removeWs = r.Varint() != 0; break;
                        case (5, 0): escape = r.Varint() != 0; break;
                        default: r.Skip(w); break;
                    }
                }
            }
            else top.Skip(wire);
        }
        if (pieces.Count == 0) throw new FormatException("no pieces");
        return new SentencePieceModel
        {
            Pieces = pieces, ModelType = modelType, ByteFallback = byteFallback,
            UnkId = unk, BosId = bos, EosId = eos, PadId = pad,
            NormalizerName = name, AddDummyPrefix = dummy, RemoveExtraWhitespaces = removeWs, EscapeWhitespaces = escape,
        };
    }

    /// <summary>
    /// The model bytes with normalizer_spec.remove_extra_whitespaces set to false and every other field kept: a second
    /// normalizer_spec is appended, which protobuf parsers merge into the first, the later scalar winning
    /// (https://protobuf.dev/programming-guides/encoding/, "Last One Wins").
    /// </summary>
    public static byte[] WithoutExtraWhitespaceRemoval(byte[] bytes)
    {
        var normalizer = new ProtoWriter();
        normalizer.Varint(4, 0);
        var patch = new ProtoWriter();
        patch.Message(3, normalizer);
        return [.. bytes, .. patch.ToArray()];
    }

    /// <summary>Serialises the modelled fields; every default is written explicitly so no reader guesses.</summary>
    public byte[] ToBytes()
    {
        var top = new ProtoWriter();
        foreach (var p in Pieces)
        {
            var w = new ProtoWriter();
            w.String(1, p.Piece);
            w.Float(2, p.Score);
            w.Varint(3, (long)p.Type);
            top.Message(1, w);
        }
        var trainer = new ProtoWriter();
        trainer.Varint(3, ModelType);
        trainer.Varint(4, Pieces.Count);
        trainer.Varint(35, ByteFallback ? 1 : 0);
        trainer.Varint(40, UnkId);
        trainer.Varint(41, BosId);
        trainer.Varint(42, EosId);
        trainer.Varint(43, PadId);
        top.Message(2, trainer);
        var normalizer = new ProtoWriter();
        normalizer.String(1, NormalizerName);
        normalizer.Varint(3, AddDummyPrefix ? 1 : 0);
        normalizer.Varint(4, RemoveExtraWhitespaces ? 1 : 0);
        normalizer.Varint(5, EscapeWhitespaces ? 1 : 0);
        top.Message(3, normalizer);
        return top.ToArray();
    }

    private struct ProtoReader(byte[] buffer, int start, int end)
    {
        private int _pos = start;

        public bool Next(out int field, out int wire)
        {
            if (_pos >= end) { field = wire = 0; return false; }
            var key = Varint();
            field = (int)(key >> 3);
            wire = (int)(key & 7);
            return true;
        }

        public ulong Varint()
        {
            ulong result = 0;
            for (var shift = 0; shift < 64; shift += 7)
            {
                if (_pos >= end) throw new FormatException("truncated varint");
                var b = buffer[_pos++];
                result |= (ulong)(b & 0x7F) << shift;
                if (b < 0x80) return result;
            }
            throw new FormatException("varint longer than 10 bytes");
        }

        public (int Start, int End) LengthDelimited()
        {
            var len = (long)Varint();
            if (len < 0 || _pos + len > end) throw new FormatException("length past the end of the message");
            var s = _pos;
            _pos += (int)len;
            return (s, _pos);
        }

        public string String()
        {
            var (s, e) = LengthDelimited();
            return Encoding.UTF8.GetString(buffer, s, e - s);
        }

        public float Fixed32Float()
        {
            if (_pos + 4 > end) throw new FormatException("truncated float");
            var v = BitConverter.ToSingle(buffer, _pos);
            _pos += 4;
            return v;
        }

        public void Skip(int wire)
        {
            switch (wire)
            {
                case 0: Varint(); break;
                case 1: _pos += 8; break;
                case 2: LengthDelimited(); break;
                case 5: _pos += 4; break;
                default: throw new FormatException($"unsupported wire type {wire}");
            }
            if (_pos > end) throw new FormatException("field past the end of the message");
        }
    }

    private sealed class ProtoWriter
    {
        private readonly List<byte> _buffer = [];

        public byte[] ToArray() => _buffer.ToArray();

        public void Varint(int field, long value)
        {
            Raw(((ulong)field << 3) | 0);
            // Negative int32 values (pad_id -1) are sign-extended to 64 bits, as protobuf requires.
            Raw((ulong)value);
        }

        public void Float(int field, float value)
        {
            Raw(((ulong)field << 3) | 5);
            _buffer.AddRange(BitConverter.GetBytes(value));
        }

        public void String(int field, string value) => Bytes(field, Encoding.UTF8.GetBytes(value));

        public void Message(int field, ProtoWriter inner) => Bytes(field, inner.ToArray());

        private void Bytes(int field, byte[] bytes)
        {
            Raw(((ulong)field << 3) | 2);
            Raw((ulong)bytes.Length);
            _buffer.AddRange(bytes);
        }

        private void Raw(ulong v)
        {
            while (v >= 0x80)
            {
                _buffer.Add((byte)(v | 0x80));
                v >>= 7;
            }
            _buffer.Add((byte)v);
        }
    }
}
