#!/usr/bin/python3
"""Writes the seed corpus of fuzz_npy (tests/fuzz/corpus_npy/): tiny .npy files,
valid ones (every format version, 0-d to 3-d, empty, non-finite values, with
and without numpy's growth padding) and near-valid ones, each one edit away
from a valid file, so that the fuzzer starts next to every branch of the
reader.  Standard library only; rerun after changing the list.
"""
import os
import struct
import sys


def npy(shape, values=None, descr="'<f8'", order="False", version=(1, 0), growth=True, dict_text=None,
        extra=b"", cut=0, magic=b"\x93NUMPY", hlen_delta=0, newline=True):
    shape_txt = "()" if not shape else "(" + ", ".join(str(s) for s in shape) + ("," if len(shape) == 1 else "") + ")"
    d = dict_text or "{'descr': %s, 'fortran_order': %s, 'shape': %s, }" % (descr, order, shape_txt)
    if growth and shape:
        d += " " * (21 - len(str(shape[0])))
    lenbytes = 2 if version[0] == 1 else 4
    pre = len(magic) + 2 + lenbytes
    body = d.encode() + (b"\n" if newline else b"")
    pad = (64 - (pre + len(body)) % 64) % 64
    if newline:
        body = d.encode() + b" " * pad + b"\n"
    hlen = len(body) + hlen_delta
    head = magic + bytes(version) + (struct.pack("<H", hlen) if lenbytes == 2 else struct.pack("<I", hlen))
    n = 1
    for s in shape:
        n *= s
    if values is None:
        values = [0.5 * i - 1 for i in range(n)] if isinstance(n, int) and n < 64 else []
    data = b"".join(struct.pack("<d", v) for v in values)
    out = head + body + data + extra
    return out[:len(out) - cut] if cut else out


CORPUS = {
    "valid_scalar.npy": npy(()),
    "valid_empty.npy": npy((0,)),
    "valid_empty_2d.npy": npy((3, 0)),
    "valid_1d.npy": npy((3,)),
    "valid_2d.npy": npy((2, 3)),
    "valid_3d.npy": npy((1, 2, 2)),
    "valid_8d.npy": npy((1,) * 8),
    "valid_nogrowth.npy": npy((2, 2), growth=False),
    "valid_v2.npy": npy((2,), version=(2, 0)),
    "valid_v3.npy": npy((2,), version=(3, 0)),
    "valid_nonfinite.npy": npy((4,), values=[float("nan"), float("inf"), -float("inf"), -0.0]),
    "valid_keys_reordered.npy": npy((2,), dict_text="{'shape': (2,), 'fortran_order': False, 'descr': '<f8'}"),
    "valid_double_quotes.npy": npy((1,), dict_text='{"descr": "<f8", "fortran_order": False, "shape": (1,)}'),
    "near_fortran.npy": npy((2, 2), order="True"),
    "near_f4.npy": npy((2,), descr="'<f4'"),
    "near_big_endian.npy": npy((2,), descr="'>f8'"),
    "near_structured.npy": npy((1,), descr="[('a', '<f8')]"),
    "near_truncated_data.npy": npy((2, 3), cut=5),
    "near_trailing_byte.npy": npy((2,), extra=b"\0"),
    "near_no_newline.npy": npy((2,), newline=False),
    "near_int_shape.npy": npy((), dict_text="{'descr': '<f8', 'fortran_order': False, 'shape': (5), }"),
    "near_duplicate_key.npy": npy((1,), dict_text="{'descr': '<f8', 'descr': '<f8', 'fortran_order': False, 'shape': (1,)}"),
    "near_unknown_key.npy": npy((1,), dict_text="{'descr': '<f8', 'fortran_order': False, 'shape': (1,), 'x': 1}"),
    "near_missing_shape.npy": npy((), dict_text="{'descr': '<f8', 'fortran_order': False}"),
    "near_leading_zero.npy": npy((), dict_text="{'descr': '<f8', 'fortran_order': False, 'shape': (01,), }"),
    "near_huge_shape.npy": npy((), dict_text="{'descr': '<f8', 'fortran_order': False, 'shape': (4611686018427387904, 4), }"),
    "near_9d.npy": npy((1,) * 9),
    "near_bad_magic.npy": npy((1,), magic=b"\x93NUMPZ"),
    "near_version_1_1.npy": npy((1,), version=(1, 1)),
    "near_hlen_short.npy": npy((1,), hlen_delta=-1),
    "near_hlen_long.npy": npy((1,), hlen_delta=+8),
    "near_escape.npy": npy((1,), dict_text="{'descr': '<f\\8', 'fortran_order': False, 'shape': (1,)}"),
    "near_header_only.npy": npy((1,), cut=8),
}


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "corpus_npy")
    os.makedirs(out, exist_ok=True)
    for name, data in sorted(CORPUS.items()):
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)
    print("corpus_npy: %d files in %s" % (len(CORPUS), out))


if __name__ == "__main__":
    main()
