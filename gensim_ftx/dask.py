"""fastText on a Dask cluster: prediction, sentence and word vectors, and vocabulary counting.

Every function takes Dask collections and returns Dask collections, lazily; nothing runs until
you ``compute()`` (or ``persist()``, or write the result out), and Dask's progress bar and
dashboard show the work as for any other graph. The model is given by path or URL: each worker
process loads it once and keeps it (:func:`gensim_ftx.partitions.cached_model`), memory-mapped,
so all the workers of a machine share one copy in its page cache.

Install with ``pip install "gensim_ftx[dask]"``.

Examples
--------
>>> from dask.distributed import Client, LocalCluster
>>> import dask.dataframe as dd
>>> from gensim_ftx import dask as ftx_dask
>>> client = Client(LocalCluster(n_workers=2, threads_per_worker=1))        # doctest: +SKIP
>>> texts = dd.read_parquet("crawl/*.parquet")["text"]                       # doctest: +SKIP
>>> langs = ftx_dask.predict(texts, "lid.176.bin", k=1)                      # doctest: +SKIP
>>> langs.to_parquet("langs/")                                               # doctest: +SKIP

The per-partition functions behind these live in :mod:`gensim_ftx.partitions`, for other engines.
"""
from __future__ import annotations

import glob
import os

import numpy as np

try:
    import dask
    import dask.array as da
    import dask.bag as db
    import dask.dataframe as dd
    import pandas as pd
except ImportError as err:  # the extra is optional: say how to get it
    raise ImportError(f"gensim_ftx.dask needs Dask's DataFrame and distributed packages ({err}); "
                      f"install them with: pip install 'gensim_ftx[dask]'") from err

from .partitions import (
    VocabularyCounts,
    columns_for,
    count_file_block,
    count_partition,
    file_blocks,
    merge_counts,
    model_header,
    predict_partition,
    prediction_columns,
    sentence_vectors_partition,
    word_vectors_partition,
)
from .text._corpus import DEFAULT_MAX_TOKEN_BYTES

__all__ = ["predict", "sentence_vectors", "word_vectors", "count_vocabulary"]


def _partitions(texts) -> list:
    """The partitions of a Dask Series or Bag as delayed objects, in order."""
    if isinstance(texts, dd.DataFrame):
        raise TypeError("pass one column (a Dask Series), not a whole DataFrame")
    if isinstance(texts, dd.Series | db.Bag):
        return texts.to_delayed()
    raise TypeError(f"expected a dask.dataframe.Series or dask.bag.Bag, got {type(texts).__name__}")


def _predict_series(part: pd.Series, model_path, k, threshold, layout, threads, partition_info=None):
    number = partition_info["number"] if partition_info else None
    return predict_partition(part, model_path, k, threshold, layout=layout, threads=threads, partition=number)


def predict(texts, model_path: str | os.PathLike, k: int = 1, threshold: float = 0.0, *, layout: str = "wide",
            threads: int = 1) -> dd.DataFrame:
    """The ``k`` best labels of every text and their probabilities, as a Dask DataFrame.

    Parameters
    ----------
    texts : dask.dataframe.Series or dask.bag.Bag
        Texts, one example each (``str`` or ``bytes``; newlines inside a text read as spaces).
        A missing value or another type fails the computation with an error naming the
        partition and the row: fill missing values first (``texts.fillna("")``).
    model_path : str or os.PathLike
        A supervised ``.bin``/``.ftz``: a path every worker can open (shared storage) or a URL.
    k : int
        Labels a text; -1 for all of the model's labels.
    threshold : float
        Leave out labels whose probability is below it.
    layout : {'wide', 'lists'}, keyword-only
        ``'wide'``: columns ``label_1 .. label_k`` and ``prob_1 .. prob_k`` (<NA> / NaN where
        fewer labels pass the threshold); ``'lists'``: columns ``labels`` and ``probs`` with one
        list each a row. See :func:`gensim_ftx.partitions.predict_partition`.
    threads : int, keyword-only
        Scoring threads a task uses (each without the GIL); with one-thread workers keep 1.

    Returns
    -------
    dask.dataframe.DataFrame
        For a Series, the same partitions and index as ``texts``; for a Bag, one partition a
        partition of the Bag, each indexed from 0.
    """
    k = columns_for(k, model_header(model_path).nlabels)
    columns = prediction_columns(k, layout)
    model_path = os.fspath(model_path)
    if isinstance(texts, dd.Series):
        meta = pd.DataFrame({name: pd.Series(dtype=dtype) for name, dtype in columns.items()},
                            index=texts._meta.index)
        return texts.map_partitions(_predict_series, model_path, k, threshold, layout, threads, meta=meta,
                                    align_dataframes=False)
    meta = pd.DataFrame({name: pd.Series(dtype=dtype) for name, dtype in columns.items()})
    parts = [dask.delayed(predict_partition)(part, model_path, k, threshold, layout=layout, threads=threads,
                                             partition=i)
             for i, part in enumerate(_partitions(texts))]
    return dd.from_delayed(parts, meta=meta, verify_meta=False)


def _vectors(function, items, model_path, threads: int, lengths: bool) -> da.Array:
    header = model_header(model_path)
    parts = _partitions(items)
    sizes = [np.nan] * len(parts)
    if lengths:
        sizes = list(dask.compute(*[dask.delayed(len)(part) for part in parts]))
    model_path = os.fspath(model_path)
    blocks = [da.from_delayed(dask.delayed(function)(part, model_path, threads=threads, partition=i),
                              shape=(size, header.dim), dtype=np.float32)
              for i, (part, size) in enumerate(zip(parts, sizes))]
    if not blocks:
        return da.zeros((0, header.dim), dtype=np.float32)
    return da.concatenate(blocks, axis=0, allow_unknown_chunksizes=True)


def sentence_vectors(texts, model_path: str | os.PathLike, *, threads: int = 1, lengths: bool = False) -> da.Array:
    """fastText's ``get_sentence_vector`` of every text, as a Dask Array ``(n, dim)`` of float32.

    Parameters
    ----------
    texts : dask.dataframe.Series or dask.bag.Bag
        As for :func:`predict`.
    model_path : str or os.PathLike
        A ``.bin``/``.ftz``, classifier or not (see
        :func:`gensim_ftx.partitions.sentence_vectors_partition`).
    threads : int, keyword-only
        Threads a task uses.
    lengths : bool, keyword-only
        Compute the partitions' lengths first (one pass over ``texts``) so the array's chunks
        are known; otherwise they are unknown (NaN) until computed, as Dask's ``to_dask_array()``.

    Returns
    -------
    dask.array.Array
        One chunk a partition, rows in the order of ``texts``.
    """
    return _vectors(sentence_vectors_partition, texts, model_path, threads, lengths)


def word_vectors(words, model_path: str | os.PathLike, *, threads: int = 1, lengths: bool = False) -> da.Array:
    """fastText's ``get_word_vector`` of every word (out-of-vocabulary words too, from their
    character n-grams), as a Dask Array ``(n, dim)`` of float32; arguments as :func:`sentence_vectors`."""
    return _vectors(word_vectors_partition, words, model_path, threads, lengths)


def _expand(paths) -> list[str]:
    if isinstance(paths, str | os.PathLike):
        paths = [paths]
    expanded = []
    for path in map(os.fspath, paths):
        if "://" not in path and glob.has_magic(path):
            matches = sorted(glob.glob(path))
            if not matches:
                raise FileNotFoundError(f"no file matches {path!r}")
            expanded += matches
        else:
            expanded.append(path)
    return expanded


def count_vocabulary(source, *, eos: bool = True, blocksize: int = 64 << 20, split_every: int = 8,
                     max_token_bytes: int = DEFAULT_MAX_TOKEN_BYTES):
    """Count a corpus' tokens on the cluster, with fastText's tokenisation (lazily).

    Each partition is counted in Cython and the counts are merged as a tree, in corpus order, so
    the words, their order of first occurrence and the counts are those of one local pass.

    Parameters
    ----------
    source : str, os.PathLike, sequence of them, dask.bag.Bag or dask.dataframe.Series
        Text files (local paths, globs or URLs; uncompressed files are split into blocks of
        ``blocksize`` bytes at line starts, a compressed file is one partition), or a collection
        of lines (each element one line, as ``dask.bag.read_text`` gives them).
    eos : bool, keyword-only
        Count one ``</s>`` a line, as fastText (and gensim_ftx's fastText semantics) do.
    blocksize : int, keyword-only
        Bytes a file block holds.
    split_every : int, keyword-only
        Counters merged by one task of the tree.
    max_token_bytes : int, keyword-only
        Longer tokens keep only their first bytes (see :func:`gensim_ftx.text._counts.count_words`).

    Returns
    -------
    dask.delayed.Delayed
        Computes to a :class:`gensim_ftx.partitions.VocabularyCounts`; train on one node with
        ``model.build_vocab_from_freq(counts)`` (see :meth:`gensim_ftx.FastText.build_vocab_from_freq`).

    Examples
    --------
    >>> counts = count_vocabulary("corpus/*.txt").compute()                    # doctest: +SKIP
    >>> model = FastText(vector_size=100, semantics="fasttext")                 # doctest: +SKIP
    >>> model.build_vocab_from_freq(counts)                                     # doctest: +SKIP
    """
    if split_every < 2:
        raise ValueError(f"split_every must be >= 2, got {split_every}")
    if isinstance(source, dd.Series | db.Bag):
        parts = [dask.delayed(count_partition)(part, eos=eos, max_token_bytes=max_token_bytes, partition=i)
                 for i, part in enumerate(_partitions(source))]
    else:
        blocks = file_blocks(_expand(source), blocksize)
        parts = [dask.delayed(count_file_block)(path, start, end, eos=eos, max_token_bytes=max_token_bytes)
                 for path, start, end in blocks]
    while len(parts) > 1:  # a tree of merges, each of consecutive counters: corpus order is kept
        parts = [dask.delayed(merge_counts)(parts[i:i + split_every]) for i in range(0, len(parts), split_every)]
    if not parts:
        return dask.delayed(VocabularyCounts.from_counter)(merge_counts([]))
    return dask.delayed(VocabularyCounts.from_counter)(parts[0])

