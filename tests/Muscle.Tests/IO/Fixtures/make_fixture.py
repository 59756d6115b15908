#!/usr/bin/python3
"""Writes reference.safetensors from the published format alone (https://github.com/huggingface/safetensors,
"Format"), with nothing but struct and json, so SafetensorsReferenceTests check our reader against the spec
rather than against our own writer.

    8 bytes   N, unsigned little-endian 64-bit: length of the header
    N bytes   UTF-8 JSON: {"__metadata__": {str: str}, name: {"dtype", "shape", "data_offsets": [begin, end]}}
              offsets are relative to the first byte after the header
    rest      tensor data, little-endian, row-major

Deliberate choices that exercise the reader: a non-ASCII key written as raw UTF-8 (ensure_ascii=False), so
N counts bytes, not characters; JSON key order differs from the data order; a scalar (shape []); an empty
tensor (shape [0, 4]); every supported dtype; the header padded with spaces to a multiple of 8 as the
reference writer does. The values are repeated literally in SafetensorsReferenceTests.cs.

Run from this folder: /usr/bin/python3 make_fixture.py
"""
import json
import struct


def bf16(values):
    # bfloat16 is the high half of the float32 bit pattern; all values below are exact in bfloat16.
    out = b""
    for v in values:
        bits = struct.unpack("<I", struct.pack("<f", v))[0]
        assert bits & 0xFFFF == 0, v
        out += struct.pack("<H", bits >> 16)
    return out


# (name, dtype, shape, data) in data order.
tensors = [
    ("a.f64", "F64", [2], struct.pack("<2d", 3.141592653589793, -1e300)),
    ("b.i64", "I64", [3], struct.pack("<3q", 2**40 + 7, -1, -(2**63))),
    ("c.f32", "F32", [2, 3], struct.pack("<6f", 1.0, -2.5, 0.1, float("inf"), -0.0, 3.4028234663852886e38)),
    ("d.i32", "I32", [2], struct.pack("<2i", -2147483648, 123456789)),
    ("e.scalar", "F32", [], struct.pack("<f", 42.5)),
    ("gewicht.ä.名", "F32", [2], struct.pack("<2f", 7.0, -8.0)),
    ("f.bf16", "BF16", [2, 2], bf16([1.5, -2.0, 0.15625, 65536.0])),
    ("g.f16", "F16", [3], struct.pack("<3e", 0.5, -65504.0, 6.103515625e-05)),
    ("h.i16", "I16", [2], struct.pack("<2h", -32768, 32767)),
    ("i.i8", "I8", [3], struct.pack("<3b", -128, 0, 127)),
    ("j.u8", "U8", [3], bytes([0, 128, 255])),
    ("k.bool", "BOOL", [4], bytes([1, 0, 0, 1])),
    ("l.empty", "F32", [0, 4], b""),
]

header = {}
data = b""
for name, dtype, shape, raw in tensors:
    header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [len(data), len(data) + len(raw)]}
    data += raw

ordered = {"__metadata__": {"format": "pt", "source": "make_fixture.py"}}
for name in sorted(header, reverse=True):
    ordered[name] = header[name]

blob = json.dumps(ordered, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
blob += b" " * ((8 - len(blob) % 8) % 8)

with open("reference.safetensors", "wb") as f:
    f.write(struct.pack("<Q", len(blob)))
    f.write(blob)
    f.write(data)
print(f"header {len(blob)} bytes, data {len(data)} bytes")
