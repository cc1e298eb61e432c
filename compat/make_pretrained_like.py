"""Write a synthetic fastText ``.bin`` shaped like Meta's pretrained ``cc.XX.300.bin`` models.

The file has the layout and sizes of the real models (fastText format version 12, CBOW with
negative sampling, dim 300, minn = maxn = 5, 2M words, 2M buckets, an all-zero output matrix,
about 7.2 GB) but random vectors and a made-up vocabulary, so loaders can be benchmarked at
full scale without downloading anything. The matrices are streamed in chunks: generating the
file needs a few hundred MB of memory, not 7 GB.

Example
-------
    python compat/make_pretrained_like.py --out compat/work/cc.synthetic.300.bin
"""
from __future__ import annotations

import argparse
import os
import struct
import sys
import time
from pathlib import Path

import numpy as np

MAGIC = 793712314
VERSION = 12
EOS = "</s>"
DEFAULT_OUT = Path(__file__).resolve().parent / "work" / "cc.synthetic.300.bin"

# Relative frequencies of a..z in English text.
LETTER_FREQ = np.array([8.2, 1.5, 2.8, 4.3, 12.7, 2.2, 2.0, 6.1, 7.0, 0.15, 0.77, 4.0, 2.4, 6.7, 7.5, 1.9,
                        0.095, 6.0, 6.3, 9.1, 2.8, 0.98, 2.4, 0.15, 2.0, 0.074])
LETTER_FREQ /= LETTER_FREQ.sum()
ACCENTED = np.array([ord(c) for c in "éèêëàáâäãåæçíìîïñóòôöõøœúùûüýÿßšžčćłśźżőűğışă"], dtype=np.int32)
CYRILLIC = np.arange(0x430, 0x450, dtype=np.int32)  # а..я
CJK_FIRST, CJK_LAST = 0x4E00, 0x9FFF
PUNCTUATION = np.array([ord(c) for c in "-'._"], dtype=np.int32)
DIGITS = np.arange(ord("0"), ord("9") + 1, dtype=np.int32)
MAX_CHARS = 24
MAX_CJK_CHARS = 4  # CJK characters take 3 bytes in UTF-8; these words stay short
WIDTH = 2 * MAX_CHARS  # bytes per word slot: 24 two-byte characters
RESOLUTION = 4096  # the letter model's probabilities are quantised to 1/RESOLUTION

# Share of each kind of token among the generated candidates (the rest is lowercase ASCII).
SHARE = {"capitalised": 0.09, "acronym": 0.01, "digits": 0.04, "number": 0.02, "punctuation": 0.03,
         "accented": 0.04, "cyrillic": 0.025, "cjk": 0.015}


# ---------------------------------------------------------------------------------------------
# vocabulary


def _lengths(rng: np.random.Generator, n: int, mean: float) -> np.ndarray:
    """Word lengths in characters: a shifted gamma (long right tail) with the given mean, in 1..24."""
    shape = 3.0
    raw = 1.0 + rng.gamma(shape, (mean - 1.0) / shape, size=n)
    return np.clip(np.rint(raw), 1, MAX_CHARS).astype(np.int32)


def _transitions() -> np.ndarray:
    """A first-order letter model: ``(27, 26)`` cumulative probabilities, row 26 for the first letter.

    Letters alternate between vowels and consonants more often than not, and common English
    digraphs are favoured, which makes the words pronounceable-looking rather than uniform noise.
    """
    vowel = np.array([c in "aeiouy" for c in "abcdefghijklmnopqrstuvwxyz"])
    weights = np.tile(LETTER_FREQ, (27, 1))
    weights[:26] *= np.where(vowel[:26, None] != vowel[None, :], 3.0, 1.0)
    for pair in ("th", "he", "in", "er", "an", "re", "on", "at", "en", "nd", "st", "es", "ng", "ou", "ch",
                 "sh", "ll", "ss", "ee", "oo", "qu", "ck", "ti", "io", "ly"):
        weights[ord(pair[0]) - ord("a"), ord(pair[1]) - ord("a")] *= 4.0
    cdf = np.cumsum(weights / weights.sum(axis=1, keepdims=True), axis=1)
    cdf[:, -1] = 1.0
    return cdf


def _letters(rng: np.random.Generator, lengths: np.ndarray) -> np.ndarray:
    """Lowercase ASCII code points from :func:`_transitions`, ``(n, MAX_CHARS)``, zero past each length."""
    cdf = _transitions()
    # next_letter[state, u] for a uniform u in 0..RESOLUTION-1: a table lookup instead of a search.
    quantiles = (np.arange(RESOLUTION) + 0.5) / RESOLUTION
    next_letter = np.stack([np.minimum(np.searchsorted(row, quantiles, side="right"), 25) for row in cdf])
    n = len(lengths)
    uniform = rng.integers(0, RESOLUTION, size=(MAX_CHARS, n), dtype=np.int16)
    picks = np.empty((n, MAX_CHARS), dtype=np.int32)
    state = np.full(n, 26)
    for col in range(MAX_CHARS):
        state = next_letter[state, uniform[col]]
        picks[:, col] = state
    points = picks + ord("a")
    points[np.arange(MAX_CHARS) >= lengths[:, None]] = 0
    return points


def _substitute(rng: np.random.Generator, points: np.ndarray, lengths: np.ndarray, pool: np.ndarray,
                rate: float) -> None:
    """Replace about ``rate`` of each word's characters (at least one) with code points from ``pool``."""
    inside = np.arange(MAX_CHARS) < lengths[:, None]
    hit = (rng.random(points.shape) < rate) & inside
    hit[np.arange(len(points)), rng.integers(0, lengths)] = True
    points[hit] = rng.choice(pool, size=int(hit.sum()))


def _candidate_points(rng: np.random.Generator, n: int) -> np.ndarray:
    """Code points of ``n`` candidate words of mixed kinds, ``(n, MAX_CHARS)``, zero-padded."""
    kind = rng.choice(len(SHARE) + 1, size=n, p=[1.0 - sum(SHARE.values()), *SHARE.values()])
    names = ["lower", *SHARE]
    lengths = _lengths(rng, n, mean=6.8)
    points = _letters(rng, lengths)
    rows = {name: np.flatnonzero(kind == i) for i, name in enumerate(names)}

    first = rows["capitalised"]
    points[first, 0] -= 32
    caps = rows["acronym"]
    lengths[caps] = np.minimum(lengths[caps], 5)
    points[caps] = np.where(np.arange(MAX_CHARS) < lengths[caps, None], points[caps] - 32, 0)

    tail = rows["digits"]  # e.g. "mp3", "abc2024": the last 1-4 characters become digits
    ndig = np.minimum(rng.integers(1, 5, size=len(tail)), lengths[tail])
    is_tail = (np.arange(MAX_CHARS) >= (lengths[tail] - ndig)[:, None]) & \
        (np.arange(MAX_CHARS) < lengths[tail, None])
    block = points[tail]
    block[is_tail] = rng.choice(DIGITS, size=int(is_tail.sum()))
    points[tail] = block

    num = rows["number"]  # e.g. "1984", "3.14", "250,000"
    lengths[num] = np.minimum(lengths[num], 9)
    points[num] = np.where(np.arange(MAX_CHARS) < lengths[num, None],
                           rng.choice(DIGITS, size=(len(num), MAX_CHARS)), 0)
    long_num = num[lengths[num] >= 3]
    points[long_num, rng.integers(1, lengths[long_num] - 1)] = rng.choice(np.array([ord("."), ord(",")]),
                                                                         size=len(long_num))

    punct = rows["punctuation"]  # e.g. "e-mail", "don't", "u.s.", "snake_case"
    punct = punct[lengths[punct] >= 3]
    points[punct, rng.integers(1, lengths[punct] - 1)] = rng.choice(PUNCTUATION, size=len(punct))

    accented = rows["accented"]
    block = points[accented]
    _substitute(rng, block, lengths[accented], ACCENTED, 0.2)
    points[accented] = block

    cyr = rows["cyrillic"]
    block = points[cyr]
    block[block != 0] = rng.choice(CYRILLIC, size=int((block != 0).sum()))
    points[cyr] = block

    cjk = rows["cjk"]
    lengths[cjk] = rng.integers(1, MAX_CJK_CHARS + 1, size=len(cjk))
    points[cjk] = np.where(np.arange(MAX_CHARS) < lengths[cjk, None],
                           rng.integers(CJK_FIRST, CJK_LAST + 1, size=(len(cjk), MAX_CHARS)), 0)
    return points


def utf8_encode(points: np.ndarray) -> np.ndarray:
    """UTF-8 encode zero-padded rows of code points (< U+10000) into zero-padded byte rows.

    Parameters
    ----------
    points : numpy.ndarray
        ``(n, k)`` int32 code points, nonzero characters first in each row, ``k <= WIDTH``.

    Returns
    -------
    numpy.ndarray
        ``(n, WIDTH)`` uint8 array; row ``i`` holds word ``i``'s UTF-8 bytes followed by zeros.

    Raises
    ------
    ValueError
        If a word needs more than ``WIDTH`` bytes.
    """
    out = np.zeros((len(points), WIDTH), dtype=np.uint8)
    plain = np.all(points < 0x80, axis=1)  # ASCII rows are their own encoding
    out[plain, :points.shape[1]] = points[plain]
    rows = np.flatnonzero(~plain)
    if len(rows):
        out[rows] = _encode_multibyte(points[rows])
    return out


def _encode_multibyte(points: np.ndarray) -> np.ndarray:
    """The general case of :func:`utf8_encode`: one to three bytes per code point."""
    n, k = points.shape
    width = np.where(points == 0, 0, np.where(points < 0x80, 1, np.where(points < 0x800, 2, 3)))
    parts = np.zeros((n, k, 3), dtype=np.uint8)
    one, two, three = width == 1, width == 2, width == 3
    parts[..., 0] = np.where(one, points, np.where(two, 0xC0 | (points >> 6), 0xE0 | (points >> 12)))
    parts[..., 1] = np.where(two, 0x80 | (points & 0x3F), np.where(three, 0x80 | ((points >> 6) & 0x3F), 0))
    parts[..., 2] = np.where(three, 0x80 | (points & 0x3F), 0)
    parts[width == 0] = 0
    # Each character's bytes go at its row's running byte offset.
    start = np.cumsum(width, axis=1) - width
    if n and int(start[:, -1].max() + width[:, -1].max()) > WIDTH:
        raise ValueError(f"a word needs more than {WIDTH} bytes in UTF-8")
    keep = np.arange(3) < width[..., None]
    row = np.broadcast_to(np.arange(n)[:, None, None], keep.shape)[keep]
    col = (start[..., None] + np.arange(3))[keep]
    out = np.zeros((n, WIDTH), dtype=np.uint8)
    out[row, col] = parts[keep]
    return out


def make_vocabulary(rng: np.random.Generator, nwords: int, chunk: int = 250_000) -> np.ndarray:
    """``nwords`` distinct words as a ``S{WIDTH}`` array: ``</s>`` first, then frequent-looking words.

    Candidates are drawn in vectorised chunks until enough distinct ones exist; shorter and
    plain-ASCII words tend to come earlier (more frequent), as in real vocabularies.
    """
    found = np.zeros(0, dtype=f"S{WIDTH}")
    need = nwords - 1
    while len(found) < need:
        batch = max(chunk, int(1.3 * (need - len(found))))
        encoded = [utf8_encode(_candidate_points(rng, min(chunk, batch - done)))
                   for done in range(0, batch, chunk)]
        fresh = np.concatenate(encoded).view(f"S{WIDTH}").ravel()
        found = np.unique(np.concatenate([found, fresh]))
        found = found[found != EOS.encode()]
        print(f"  vocabulary: {len(found):,} distinct of {need:,} needed", flush=True)
    words = rng.permutation(found)[:need]
    nbytes = np.char.str_len(words)
    ascii_ = np.all(words.view(np.uint8).reshape(need, WIDTH) < 0x80, axis=1)
    rank_key = nbytes + 4.0 * ~ascii_ + rng.normal(0.0, 3.0, size=need)
    words = words[np.argsort(rank_key, kind="stable")]
    return np.concatenate([np.array([EOS.encode()], dtype=f"S{WIDTH}"), words])


def zipf_counts(nwords: int, ntokens_target: float = 3.0e10, min_count: int = 5) -> np.ndarray:
    """Non-increasing Zipf-like counts (exponent 1) summing to about ``ntokens_target``."""
    ranks = np.arange(1, nwords + 1, dtype=np.float64)
    harmonic = np.sum(1.0 / ranks)
    counts = np.floor(ntokens_target / harmonic / ranks).astype(np.int64)
    return np.maximum(counts, min_count)


def dictionary_entries(words: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Serialise dictionary entries (word bytes, NUL, int64 count, int8 type 0) in one buffer."""
    n = len(words)
    table = words.view(np.uint8).reshape(n, -1)
    lengths = np.count_nonzero(table, axis=1)
    entry_sizes = lengths + 10
    offsets = np.cumsum(entry_sizes) - entry_sizes
    blob = np.zeros(int(entry_sizes.sum()), dtype=np.uint8)
    word_bytes = table[table != 0]  # words hold no NUL, so this is their concatenation
    first_byte = np.repeat(offsets - (np.cumsum(lengths) - lengths), lengths)
    blob[first_byte + np.arange(len(word_bytes))] = word_bytes
    count_at = (offsets + lengths + 1)[:, None] + np.arange(8)
    blob[count_at] = counts.astype("<i8").view(np.uint8).reshape(n, 8)
    return blob


# ---------------------------------------------------------------------------------------------
# file


def header(dim: int, bucket: int, nwords: int, ntokens: int) -> bytes:
    """Signature, training arguments (cc.XX.300 values) and dictionary header of a v12 file."""
    args = struct.pack("<12i", dim, 5, 5, 5, 10, 1, 2, 1, bucket, 5, 5, 100) + struct.pack("<d", 1e-4)
    return struct.pack("<2i", MAGIC, VERSION) + args + struct.pack("<3i2q", nwords, nwords, 0, ntokens, -1)


def write_matrix(out, rows: int, dim: int, rng: np.random.Generator | None, scale: float, chunk_rows: int,
                 label: str) -> None:
    """Write the quantisation flag 0, the shape, then ``rows x dim`` float32 (normal * scale, or zeros)."""
    out.write(struct.pack("<?2q", False, rows, dim))
    buffer = np.zeros((min(chunk_rows, max(rows, 1)), dim), dtype="<f4")
    started = time.perf_counter()
    step = max(1, rows // 10)
    for begin in range(0, rows, chunk_rows):
        block = buffer[:min(chunk_rows, rows - begin)]
        if rng is not None:
            rng.standard_normal(out=block, dtype=np.float32)
            block *= np.float32(scale)
        out.write(memoryview(block).cast("B"))
        done = begin + len(block)
        if done // step != begin // step or done == rows:
            rate = 4 * dim * done / max(time.perf_counter() - started, 1e-9) / 2**20
            print(f"  {label}: {done:,}/{rows:,} rows ({rate:,.0f} MiB/s)", flush=True)


def generate(out_path: Path, nwords: int, buckets: int, dim: int, seed: int, scale: float = 0.05,
             chunk_rows: int = 65536) -> int:
    """Write the synthetic model to ``out_path`` (through a ``.tmp`` file); return its size in bytes.

    Parameters
    ----------
    out_path : pathlib.Path
        Destination file.
    nwords, buckets, dim : int
        Vocabulary size (including ``</s>``), n-gram buckets and vector dimension.
    seed : int
        Seed of the vocabulary and of the input matrix.
    scale : float
        Standard deviation of the input matrix entries.
    chunk_rows : int
        Matrix rows generated and written per chunk.
    """
    word_rng, matrix_rng = (np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(2))
    started = time.perf_counter()
    print(f"generating {nwords:,} words", flush=True)
    words = make_vocabulary(word_rng, nwords)
    counts = zipf_counts(nwords)
    lengths = np.char.str_len(words)
    non_ascii = np.any(words.view(np.uint8).reshape(nwords, -1) >= 0x80, axis=1)
    print(f"  {time.perf_counter() - started:.1f} s; mean {lengths[1:].mean():.2f} bytes/word, "
          f"{non_ascii.mean():.1%} non-ASCII, ntokens {counts.sum():,}; first words: "
          f"{[w.decode() for w in words[:6]]}", flush=True)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_path.with_name(out_path.name + ".tmp")
    with open(tmp, "wb", buffering=1 << 22) as out:
        out.write(header(dim, buckets, nwords, int(counts.sum())))
        out.write(memoryview(dictionary_entries(words, counts)))
        del words, counts
        write_matrix(out, nwords + buckets, dim, matrix_rng, scale, chunk_rows, "input matrix")
        write_matrix(out, nwords, dim, None, scale, chunk_rows, "output matrix (zeros)")
    os.replace(tmp, out_path)
    size = out_path.stat().st_size
    print(f"wrote {out_path} ({size:,} bytes) in {time.perf_counter() - started:.1f} s", flush=True)
    return size


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output .bin path")
    parser.add_argument("--words", type=int, default=2_000_000, help="vocabulary size, including </s>")
    parser.add_argument("--buckets", type=int, default=2_000_000, help="character n-gram buckets")
    parser.add_argument("--dim", type=int, default=300, help="vector dimension")
    parser.add_argument("--seed", type=int, default=0, help="random seed")
    parser.add_argument("--scale", type=float, default=0.05, help="standard deviation of the input matrix")
    parser.add_argument("--chunk-rows", type=int, default=65536, help="matrix rows written per chunk")
    args = parser.parse_args(argv)
    if args.words < 1 or args.buckets < 0 or args.dim < 1 or args.chunk_rows < 1:
        parser.error("--words and --dim must be positive, --buckets non-negative")
    generate(args.out, args.words, args.buckets, args.dim, args.seed, args.scale, args.chunk_rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
