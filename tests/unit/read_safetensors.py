#!/usr/bin/python3
"""An independent safetensors reader (json + struct only), for tst_bundle.

Prints one line per tensor: name, dtype, shape (x-joined), element count, the sum of its
elements and its first element ("-" when empty), then "ok". Exits 1 on a malformed file."""
import json
import struct
import sys

FORMATS = {"F32": "f", "F64": "d", "I64": "q", "I32": "i", "U8": "B", "BOOL": "?"}


def main(path):
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n].decode("utf-8"))
    body = data[8 + n:]
    header.pop("__metadata__", None)
    for name in sorted(header):
        info = header[name]
        begin, end = info["data_offsets"]
        fmt = FORMATS[info["dtype"]]
        count = (end - begin) // struct.calcsize(fmt)
        values = struct.unpack("<%d%s" % (count, fmt), body[begin:end])
        shape = "x".join(str(d) for d in info["shape"]) or "scalar"
        first = repr(float(values[0])) if values else "-"
        print(name, info["dtype"], shape, count, repr(float(sum(values))), first)
    print("ok")


if __name__ == "__main__":
    main(sys.argv[1])
