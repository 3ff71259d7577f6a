"""Export the word-vector table search uses (bot/data/word_vectors.npz) from the ja-ginza package.

ja-ginza (MIT; its vectors are chiVe by Works Applications, Apache-2.0) ships 20,000 word
vectors of 300 dimensions and a table from 480,443 word hashes to them. The runtime needs
neither spaCy nor GiNZA (ja-ginza would also pin SudachiPy below 0.7): this one-off script
reads the raw files, keeps the first 100 principal components as float16, and writes the
hash table beside them. Re-run it only to change the table:

    pip download ja-ginza==5.3.0 --no-deps -d /tmp/ginza && unzip -q /tmp/ginza/*.whl -d /tmp/ginza
    python tools/export_vectors.py /tmp/ginza/ja_ginza/ja_ginza-5.3.0/vocab
"""
from __future__ import annotations

import struct
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
DIMENSIONS = 100


def read_key2row(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """spaCy's key2row: a msgpack map of 64-bit string hashes to vector rows."""
    data = path.read_bytes()
    if data[0] != 0xDF:
        raise ValueError("key2row is not a msgpack map32")
    count, offset = struct.unpack(">I", data[1:5])[0], 5
    keys = np.zeros(count, dtype=np.uint64)
    rows = np.zeros(count, dtype=np.uint16)
    for i in range(count):
        keys[i], offset = _uint(data, offset)
        rows[i], offset = _uint(data, offset)
    return keys, rows


def main(vocab: Path) -> None:
    vectors = np.load(vocab / "vectors").astype(np.float64)
    keys, rows = read_key2row(vocab / "key2row")
    centred = vectors - vectors.mean(axis=0)  # the common direction says nothing about meaning
    _, _, components = np.linalg.svd(centred, full_matrices=False)
    reduced = (centred @ components[:DIMENSIONS].T).astype(np.float16)
    order = np.argsort(keys)
    out = ROOT / "bot" / "data" / "word_vectors.npz"
    out.parent.mkdir(exist_ok=True)
    np.savez_compressed(out, keys=keys[order], rows=rows[order], vectors=reduced)
    print(f"wrote {out}: {len(keys):,} words, {reduced.shape[0]:,} vectors x {DIMENSIONS}")


def _uint(data: bytes, offset: int) -> tuple[int, int]:
    tag = data[offset]
    if tag < 0x80:
        return tag, offset + 1
    size = {0xCC: 1, 0xCD: 2, 0xCE: 4, 0xCF: 8}[tag]
    return int.from_bytes(data[offset + 1:offset + 1 + size], "big"), offset + 1 + size


if __name__ == "__main__":
    main(Path(sys.argv[1]))
