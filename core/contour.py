"""Decision boundaries: where a grid of logits crosses zero, as line segments."""

from __future__ import annotations

from itertools import pairwise

import numpy as np

# Corners of a grid cell counter-clockwise from (x[j], y[i]), as (row, column) steps.
_CORNERS = np.array([(0, 0), (0, 1), (1, 1), (1, 0)])

# Edges as (from, to) corners: 0 bottom, 1 right, 2 top, 3 left. Each runs towards
# larger x or y, so neighbouring cells compute their shared crossing identically.
_EDGES = np.array([(0, 1), (1, 2), (3, 2), (0, 3)])

# Case number: bit c is set when corner c is >= 0. Row `case` holds the two edges
# joined by each of its (at most two) segments; -1 means no segment. The saddles 5
# and 10 are listed for a cell centre >= 0; a negative centre uses the other row.
_SEGMENTS = np.array(
    [
        [-1, -1, -1, -1],
        [3, 0, -1, -1],
        [0, 1, -1, -1],
        [3, 1, -1, -1],
        [1, 2, -1, -1],
        [0, 1, 2, 3],
        [0, 2, -1, -1],
        [2, 3, -1, -1],
        [2, 3, -1, -1],
        [0, 2, -1, -1],
        [3, 0, 1, 2],
        [1, 2, -1, -1],
        [3, 1, -1, -1],
        [0, 1, -1, -1],
        [3, 0, -1, -1],
        [-1, -1, -1, -1],
    ]
).reshape(16, 2, 2)


def zero_segments(
    Z, x, y, max_segments: int | None = None
) -> np.ndarray | list[np.ndarray]:
    """Line segments where the grid values Z cross zero (marching squares).

    Parameters
    ----------
    Z : array-like of shape (n_y, n_x) or (k, n_y, n_x)
        Values on the grid ``x`` by ``y``: ``Z[..., i, j]`` is the value at
        ``(x[j], y[i])``, as with ``np.meshgrid(x, y)``.
    x : array-like of shape (n_x,), at least 2 points
    y : array-like of shape (n_y,), at least 2 points
    max_segments : int, optional
        Keep at most this many segments per grid (the first ones, bottom row of
        cells first).

    Returns
    -------
    segments : float ndarray of shape (m, 4), rows ``[x0, y0, x1, y1]``, for one grid;
        a list of k such arrays for a stack of grids.

    Notes
    -----
    A corner counts as positive when its value is ``>= 0``, so an edge is crossed
    only between values of opposite sign and the linear interpolation never divides
    by zero. Cells with a non-finite corner are skipped. Saddle cells (cases 5 and
    10) give two segments, separated by the sign of the mean of their four corners
    (a mean ``>= 0`` counts as positive, like a corner). Segments of zero length (the
    level set only touching a grid node) are dropped. Neighbouring cells give bitwise
    equal endpoints on their shared edge.
    """
    Z = np.asarray(Z, dtype=float)
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    if Z.ndim not in (2, 3):
        raise ValueError(
            f"Z must be one grid (n_y, n_x) or a stack of grids (k, n_y, n_x), "
            f"not an array of shape {Z.shape}."
        )
    if x.ndim != 1 or y.ndim != 1 or Z.shape[-2:] != (y.size, x.size):
        raise ValueError(
            f"Z has shape {Z.shape}, but x has shape {x.shape} and y has shape "
            f"{y.shape}; the last two sizes of Z must be len(y) and len(x)."
        )
    if x.size < 2 or y.size < 2:
        raise ValueError("The grid needs at least 2 points along x and along y.")
    if max_segments is not None and max_segments < 0:
        raise ValueError(f"max_segments must be 0 or more, not {max_segments}.")

    stack = Z.reshape(-1, y.size, x.size)
    k, n_y, n_x = stack.shape

    def corner(a: np.ndarray, c: int) -> np.ndarray:
        """Values of the grid array ``a`` at corner ``c`` of every cell."""
        di, dj = _CORNERS[c]
        return a[:, di : n_y - 1 + di, dj : n_x - 1 + dj]

    positive = (stack >= 0).astype(np.uint8)
    finite = np.isfinite(stack)
    case = sum(corner(positive, c) << c for c in range(4))
    case[~np.logical_and.reduce([corner(finite, c) for c in range(4)])] = 0

    grid, i, j = np.nonzero((case != 0) & (case != 15))
    case = case[grid, i, j]
    flat = stack.ravel()
    first = (grid * n_y + i) * n_x + j  # flat index of corner 0 of each cell
    step = _CORNERS[:, 0] * n_x + _CORNERS[:, 1]  # flat offset of each corner
    saddle = np.flatnonzero((case == 5) | (case == 10))
    centre = flat[first[saddle, None] + step].sum(axis=1)
    flip = saddle[centre < 0]
    case[flip] = 15 - case[flip]

    edges = _SEGMENTS[case]  # (cells, 2 segments, 2 ends)
    cell, slot = np.nonzero(edges[:, :, 0] >= 0)
    edges, grid = edges[cell, slot], grid[cell]
    i, j, first = i[cell, None], j[cell, None], first[cell, None]
    a, b = _EDGES[edges, 0], _EDGES[edges, 1]  # (segments, 2 ends)
    va, vb = flat[first + step[a]], flat[first + step[b]]
    t = va / (va - vb)
    px = (1 - t) * x[j + _CORNERS[a, 1]] + t * x[j + _CORNERS[b, 1]]
    py = (1 - t) * y[i + _CORNERS[a, 0]] + t * y[i + _CORNERS[b, 0]]

    nonzero = (px[:, 0] != px[:, 1]) | (py[:, 0] != py[:, 1])
    segments = np.stack([px[:, 0], py[:, 0], px[:, 1], py[:, 1]], axis=1)[nonzero]
    bounds = np.searchsorted(grid[nonzero], np.arange(k + 1))
    parts = [segments[lo:hi][:max_segments] for lo, hi in pairwise(bounds)]
    return parts if Z.ndim == 3 else parts[0]
