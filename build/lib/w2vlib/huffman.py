"""Huffman tree over the vocabulary, for hierarchical softmax.

A vocabulary of n words has n leaves and n - 1 inner nodes; inner node j has an
output vector, row j of ``U_inner`` (n - 1, d). The root is inner node n - 2.
For word w, ``paths[w]`` lists the inner nodes from the root down to w's leaf
and ``codes[w]`` the branch bits taken at each (word2vec.c's convention: the
first-merged (smaller) child gets 0, the other 1; the target of node l is
t_l = 1 - code_l). Frequent words get short codes.

    p(w | h) = prod_l sigma((2 t_l - 1) u_{n_l} . h)

and these sum to 1 over the vocabulary, because at every inner node one child
gets sigma(s) and the other sigma(-s) = 1 - sigma(s).
"""

import heapq
from dataclasses import dataclass

import numpy as np

from ._checks import as_array

__all__ = ["HuffmanTree", "build_huffman"]


@dataclass(frozen=True)
class HuffmanTree:
    """Codes and inner-node paths for every word (lists of length n)."""

    codes: list      # codes[w]: (L_w,) int8 bits, root first
    paths: list      # paths[w]: (L_w,) int inner-node indices, root first
    n_inner: int     # n - 1

    def padded(self):
        """Arrays for batching: path (n, L), code (n, L), mask (n, L); L = longest code."""
        n = len(self.codes)
        L = max(len(c) for c in self.codes)
        path = np.zeros((n, L), dtype=np.intp)
        code = np.zeros((n, L), dtype=np.int8)
        mask = np.zeros((n, L), dtype=bool)
        for w, (c, p) in enumerate(zip(self.codes, self.paths)):
            path[w, :len(p)] = p
            code[w, :len(c)] = c
            mask[w, :len(c)] = True
        return path, code, mask


def build_huffman(counts):
    """Build the Huffman tree of a vocabulary from its word counts.

    counts: (n,) positive counts, n >= 2, in the vocabulary's index order.
    Ties are broken by index, so the tree is deterministic.
    """
    counts = as_array(counts, "counts")
    if counts.ndim != 1 or counts.size < 2:
        raise ValueError(f"counts: expected a 1-D array of at least 2 word counts, got shape "
                         f"{counts.shape}")
    real = np.issubdtype(counts.dtype, np.integer) or np.issubdtype(counts.dtype, np.floating)
    if not real or not np.all(np.isfinite(counts)) or np.any(counts <= 0):
        raise ValueError(f"counts: expected positive finite real counts, got "
                         f"{counts.tolist()[:10]}")
    n = counts.size
    heap = [(float(cnt), node) for node, cnt in enumerate(counts)]   # leaves: 0..n-1
    heapq.heapify(heap)
    parent = np.zeros(2 * n - 1, dtype=np.intp)
    bit = np.zeros(2 * n - 1, dtype=np.int8)
    for new in range(n, 2 * n - 1):                                   # inner nodes: n..2n-2
        c0, a = heapq.heappop(heap)
        c1, b = heapq.heappop(heap)
        parent[a], bit[a] = new, 0
        parent[b], bit[b] = new, 1
        heapq.heappush(heap, (c0 + c1, new))
    root = 2 * n - 2
    codes, paths = [], []
    for w in range(n):
        code, path, node = [], [], w
        while node != root:
            code.append(bit[node])
            path.append(parent[node] - n)                                # inner index
            node = parent[node]
        codes.append(np.array(code[::-1], dtype=np.int8))
        paths.append(np.array(path[::-1], dtype=np.intp))
    return HuffmanTree(codes=codes, paths=paths, n_inner=n - 1)
