"""``fasttext.util``: evaluation, nearest-neighbour, dimension-reduction and download helpers."""
from __future__ import annotations

import gzip
import os
import shutil
import sys
from collections.abc import Iterable

import numpy as np

from ..io.atomic import write_atomically
from ..io.remote import download

# Languages of Meta's Common Crawl vectors (https://fasttext.cc/docs/en/crawl-vectors.html).
valid_lang_ids = set(
    "af sq als am ar an hy as ast az ba eu bar be bn bh bpy bs br bg my ca ceb bcl ce zh cv co hr cs da dv nl pa "
    "arz eml en myv eo et hif fi fr gl ka de gom el gu ht he mrj hi hu is io ilo id ia ga it ja jv kn pam kk km ky "
    "ko ku ckb la lv li lt lmo nds lb mk mai mg ms ml mt gv mr mzn mhr min xmf mwl mn nah nap ne new frr nso no nn "
    "oc or os pfl ps fa pms pl pt qu ro rm ru sah sa sc sco gd sr sh scn sd si sk sl so azb es su sw sv tl tg ta tt "
    "te th bo tr tk uk hsb ur ug uz vec vi vo wa war cy vls fy pnb yi yo diq zea".split())

BASE_URL = "https://dl.fbaipublicfiles.com/fasttext/vectors-crawl/"
_CHUNK = 1 << 16


def test(predictions: Iterable, labels: Iterable, k: int = 1) -> tuple[float, float]:
    """``(precision, recall)`` of predicted label lists against gold label lists, as fastText's test."""
    hits = examples = gold = 0
    for predicted, answer in zip(predictions, labels):
        hits += sum(1 for p in predicted if p in answer)
        examples += 1
        gold += len(answer)
    return hits / (k * examples), hits / gold


def find_nearest_neighbor(query: np.ndarray, vectors: np.ndarray, ban_set, cossims: np.ndarray | None = None) -> int:
    """Index of the row of ``vectors`` with the largest dot product with ``query``, skipping ``ban_set``.

    ``cossims`` (length ``len(vectors)``) may be passed to reuse its memory. The row is chosen
    as fastText chooses it, by a linear-time selection of the largest score (the next largest while
    banned), so among equal scores the same row comes back.
    """
    scores = np.matmul(vectors, query, out=cossims)
    for rank in range(len(scores) - 1, -1, -1):
        index = int(np.argpartition(scores, rank)[rank])
        if index not in ban_set:
            return index
    raise ValueError("every vector is banned")


def _pca_projection(matrix: np.ndarray, dim: int) -> np.ndarray:
    """``dim`` principal axes of (at most the first 100,000) rows of ``matrix``, in float32.

    fastText takes the first ``dim`` eigenvectors of the covariance in the order (and with the
    signs) LAPACK's general eigensolver returns them; so do we, so reduced models equal
    fastText's column for column.
    """
    sample = np.asarray(matrix[:100000], dtype=np.float32)
    centred = sample - sample.mean(axis=0, dtype=np.float32)
    covariance = np.divide(centred.T @ centred, max(len(centred) - 1, 1), dtype=np.float32)
    _, axes = np.linalg.eig(covariance)
    return np.ascontiguousarray(np.real(axes[:, :dim]), dtype=np.float32)


def reduce_model(ft_model, target_dim: int):
    """Reduce a model's vectors to ``target_dim`` dimensions by PCA of its input matrix; the
    output matrix is projected on the same axes. Returns the model (changed in place)."""
    if not 0 < target_dim <= ft_model.get_dimension():
        raise ValueError(f"target_dim must be in 1..{ft_model.get_dimension()}, got {target_dim}")
    inputs = ft_model.get_input_matrix()
    projection = _pca_projection(inputs, target_dim)
    ft_model.set_matrices(inputs @ projection, ft_model.get_output_matrix() @ projection)
    return ft_model


def _progress(done: int, total: int | None) -> None:
    if not total:
        sys.stdout.write(f"\r {done / 2**20:.1f} MiB")
    else:
        share = done / total
        bar = int(share * 50)
        sys.stdout.write(f" ({100 * share:0.2f}%) [{'=' * bar}>{' ' * (50 - bar)}]\r")
        if done >= total:
            sys.stdout.write("\n")
    sys.stdout.flush()


def _download(url: str, target: str) -> None:
    """Fetch ``url`` into ``target`` with fastText's progress bar; a partial download never takes its place."""
    print(f"Downloading {url}")
    try:
        download(url, target, progress=_progress)
    except OSError as err:
        raise OSError(f"{err}. Download it by other means and pass its path to load_model.") from err


def download_model(lang_id: str, if_exists: str = "strict", dimension: int | None = None, *,
                   base_url: str | None = None) -> str | None:
    """Download Meta's Common Crawl vectors ``cc.<lang_id>.300.bin`` into the working directory.

    Parameters
    ----------
    lang_id : str
        One of :data:`valid_lang_ids`.
    if_exists : {'strict', 'ignore', 'overwrite'}
        What to do when the file is already there: print a note and return None, return its
        name, or download it again.
    dimension : int, optional
        Also reduce the model to this many dimensions (:func:`reduce_model`) and save it as
        ``cc.<lang_id>.<dimension>.bin``, whose name is returned. (fastText accepts and ignores it.)
    base_url : str, keyword-only
        Where the files live (default: fastText's server, or ``$GENSIM_FTX_MODEL_URL``).

    Returns
    -------
    str or None
        The file name.

    Raises
    ------
    ValueError
        For an unknown language.
    OSError
        When the download fails (no network, not found), with the URL.
    """
    if lang_id not in valid_lang_ids:
        raise ValueError(f"Invalid lang id. Please select among {sorted(valid_lang_ids)!r}")
    if if_exists not in ("strict", "ignore", "overwrite"):
        raise ValueError(f"if_exists must be 'strict', 'ignore' or 'overwrite', got {if_exists!r}")
    base = base_url or os.environ.get("GENSIM_FTX_MODEL_URL") or BASE_URL
    file_name = f"cc.{lang_id}.300.bin"
    gz_name = file_name + ".gz"
    if os.path.isfile(file_name) and if_exists != "overwrite":
        if if_exists == "strict":
            print("File exists. Use --overwrite to download anyway.")
            return None
    else:
        if not os.path.isfile(gz_name) or if_exists == "overwrite":
            _download(base.rstrip("/") + "/" + gz_name, gz_name)
        try:
            with gzip.open(gz_name, "rb") as compressed:
                write_atomically(file_name, lambda out: shutil.copyfileobj(compressed, out, _CHUNK))
        except (OSError, EOFError) as err:
            raise OSError(f"{gz_name}: not a complete gzip file ({err}); delete it and download again") from err
    if dimension is None or dimension == 300:
        return file_name
    from .model import load_model

    reduced = f"cc.{lang_id}.{dimension}.bin"
    model = reduce_model(load_model(file_name), dimension)
    model.save_model(reduced)
    return reduced
