"""Reading and writing the book's checkpoints: safetensors files of F32 tensors, sealed
with a CRC-32 of the whole file in the metadata entry "mmi.crc32" (the Swift side's
`SafeTensors.write`). Plain Python and NumPy: no `safetensors` package is needed.

A file written here loads in the Swift chapters (`Layer.load(from:)` requires the
checksum) and the other way round.
"""

import json
import os
import struct
import tempfile
import zlib

import numpy as np

CHECKSUM_KEY = "mmi.crc32"


class CheckpointError(Exception):
    """A checkpoint that cannot be read, with what is wrong and what to do."""


def read(path):
    """Returns ({name: float32 array}, {metadata key: value}) and checks the checksum
    when the file has one."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as error:
        raise CheckpointError(f"checkpoint {path}: cannot open ({error.strerror})")
    if len(data) < 8:
        raise CheckpointError(f"checkpoint {path} is truncated: {len(data)} bytes")
    (header_size,) = struct.unpack("<Q", data[:8])
    if 8 + header_size > len(data):
        raise CheckpointError(
            f"checkpoint {path} is truncated: the header promises "
            f"{8 + header_size} bytes, the file has {len(data)}")
    try:
        header = json.loads(data[8:8 + header_size])
    except ValueError as error:
        raise CheckpointError(f"checkpoint {path}: its header is not JSON ({error})")
    metadata = header.pop("__metadata__", {})
    checksum = metadata.get(CHECKSUM_KEY)
    if checksum is not None:
        entry = f'"{CHECKSUM_KEY}":"{checksum}"'.encode()
        at = data.find(entry, 8, 8 + header_size)
        digits = at + len(entry) - 9
        zeroed = data[:digits] + b"00000000" + data[digits + 8:]
        if at < 0 or f"{zlib.crc32(zeroed):08x}" != checksum:
            raise CheckpointError(
                f"checkpoint {path} is damaged: its bytes do not match its checksum")
        del metadata[CHECKSUM_KEY]
    start = 8 + header_size
    tensors = {}
    for name, entry in header.items():
        if entry["dtype"] != "F32":
            raise CheckpointError(
                f"checkpoint {path}: tensor {name} is {entry['dtype']}; only F32 is used")
        begin, end = entry["data_offsets"]
        values = np.frombuffer(data, dtype="<f4", count=(end - begin) // 4,
                               offset=start + begin)
        tensors[name] = values.reshape(entry["shape"]).copy()
    return tensors, metadata


def encode(tensors, metadata=None):
    """The bytes of a sealed safetensors file (names sorted, as the Swift side writes)."""
    metadata = dict(metadata or {})
    metadata[CHECKSUM_KEY] = "00000000"
    header = {"__metadata__": {k: metadata[k] for k in sorted(metadata)}}
    offset, blobs = 0, []
    for name in sorted(tensors):
        array = np.ascontiguousarray(tensors[name], dtype="<f4")
        header[name] = {"dtype": "F32", "shape": list(array.shape),
                        "data_offsets": [offset, offset + array.nbytes]}
        blobs.append(array.tobytes())
        offset += array.nbytes
    text = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode()
    text += b" " * (-(8 + len(text)) % 8)
    data = struct.pack("<Q", len(text)) + text + b"".join(blobs)
    entry = f'"{CHECKSUM_KEY}":"00000000"'.encode()
    digits = data.find(entry) + len(entry) - 9
    sealed = f"{zlib.crc32(data):08x}".encode()
    return data[:digits] + sealed + data[digits + 8:]


def write(path, tensors, metadata=None):
    """Writes atomically: a temporary file in the same folder, then a rename, so a
    crash leaves the previous file intact."""
    data = encode(tensors, metadata)
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=folder, suffix=".partial")
    try:
        with os.fdopen(handle, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.remove(temporary)
        raise
