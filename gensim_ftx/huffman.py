"""fastText's Huffman tree for hierarchical softmax (``Loss::buildTree`` in ``src/loss.cc``)."""
from __future__ import annotations

import numpy as np


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
    size = 2 * n - 1
    # fastText marks unmerged nodes with 1e15; infinity cannot collide with a real count
    count = np.full(size, np.inf, dtype=np.float64)
    count[:n] = counts
    parent = np.full(size, -1, dtype=np.int64)
    binary = np.zeros(size, dtype=np.uint8)
    leaf, node = n - 1, n
    count_list = count.tolist()  # python floats: the merge loop is scalar either way
    parent_list = parent.tolist()
    binary_list = binary.tolist()
    for i in range(n, size):
        picked = []
        for _ in range(2):
            if leaf >= 0 and count_list[leaf] < count_list[node]:
                picked.append(leaf)
                leaf -= 1
            else:
                picked.append(node)
                node += 1
        count_list[i] = count_list[picked[0]] + count_list[picked[1]]
        parent_list[picked[0]] = i
        parent_list[picked[1]] = i
        binary_list[picked[1]] = 1
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
