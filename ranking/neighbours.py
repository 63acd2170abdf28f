"""Item-item neighbours from behaviour: "people who chose X also chose Y".

Cosine similarity over who touched what, shrunk towards zero for pairs seen together only a few times
(sim = overlap / (|X| |Y|)^0.5 + shrink), keeping each item's strongest neighbours so that memory
stays linear in the catalog. numpy/scipy in, a sparse item x item matrix out.
"""

from __future__ import annotations

import numpy as np
from scipy import sparse


def item_neighbours(
    matrix: sparse.spmatrix, shrink: float = 10.0, keep: int = 200, block: int = 2048
) -> sparse.csr_matrix:
    """Sparse (items x items) shrunk cosine similarities, at most `keep` per row, no self-similarity."""
    touched = (sparse.csr_matrix(matrix) > 0).astype(np.float32)
    by_item = touched.T.tocsr()
    norms = np.sqrt(np.asarray(touched.sum(axis=0)).ravel())
    n_items = touched.shape[1]
    rows, cols, vals = [], [], []
    # Block by block, pruned as we go: the full overlap matrix of a large catalog would not fit in memory.
    for start in range(0, n_items, block):
        stop = min(start + block, n_items)
        overlap = (by_item[start:stop] @ touched).tocsr()
        for r in range(stop - start):
            lo, hi = overlap.indptr[r], overlap.indptr[r + 1]
            j = overlap.indices[lo:hi]
            i = start + r
            sims = overlap.data[lo:hi] / (norms[i] * norms[j] + shrink + 1e-9)
            sims[j == i] = 0.0
            if len(j) > keep:
                top = np.argpartition(-sims, keep)[:keep]
                j, sims = j[top], sims[top]
            nonzero = sims > 0
            rows.append(np.full(int(nonzero.sum()), i))
            cols.append(j[nonzero])
            vals.append(sims[nonzero])
    if not rows:
        return sparse.csr_matrix((n_items, n_items), dtype=np.float32)
    return sparse.csr_matrix(
        (np.concatenate(vals).astype(np.float32), (np.concatenate(rows), np.concatenate(cols))),
        shape=(n_items, n_items),
    )
