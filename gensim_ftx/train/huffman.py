"""fastText's Huffman tree for hierarchical softmax (``Loss::buildTree`` in ``src/loss.cc``)."""
from __future__ import annotations

import numpy as np


def _merge(counts) -> tuple[list[int], list[int], list[int], list[int]]:
    """fastText's two-queue merge over ``counts`` (descending): each node's parent and code bit,
    and each internal node's two children (the second picked gets code 1)."""
    n = len(counts)
    size = 2 * n - 1
    # fastText marks unmerged nodes with 1e15; infinity cannot collide with a real count
    count = [float(c) for c in counts] + [float("inf")] * (size - n)
    parent = [-1] * size
    binary = [0] * size
    left = [-1] * size
    right = [-1] * size
    leaf, node = n - 1, n
    for i in range(n, size):
        picked = []
        for _ in range(2):
            if leaf >= 0 and count[leaf] < count[node]:
                picked.append(leaf)
                leaf -= 1
            else:
                picked.append(node)
                node += 1
        count[i] = count[picked[0]] + count[picked[1]]
        parent[picked[0]] = parent[picked[1]] = i
        binary[picked[1]] = 1
        left[i], right[i] = picked
    return parent, binary, left, right


def build_tree(counts: np.ndarray) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Codes and paths of the two-queue Huffman tree fastText builds over ``counts``.

    ``counts`` must be sorted in descending order, as fastText's dictionary is. Leaves are
    ``0..n-1``, internal nodes ``n..2n-2``; at each merge the second node picked gets code 1.

    Returns
    -------
    codes, points : list of numpy.ndarray
        For each word, from the leaf up to the root: the binary codes (uint8) and the output
        rows of the internal nodes (``node - n``, uint32).
    """
    n = len(counts)
    if n == 0:
        return [], []
    parent_list, binary_list, _, _ = _merge(counts)
    codes, points = [], []
    for i in range(n):
        code, point = [], []
        j = i
        while parent_list[j] != -1:
            point.append(parent_list[j] - n)
            code.append(binary_list[j])
            j = parent_list[j]
        codes.append(np.array(code, dtype=np.uint8))
        points.append(np.array(point, dtype=np.uint32))
    return codes, points


def children(counts) -> tuple[np.ndarray, np.ndarray]:
    """The two children of each of the ``2n - 1`` nodes of that tree (-1 for leaves): the
    hierarchical-softmax prediction walks the tree from the root (node ``2n - 2``) with them."""
    if len(counts) == 0:
        return np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.int32)
    _, _, left, right = _merge(counts)
    return np.array(left, dtype=np.int32), np.array(right, dtype=np.int32)
