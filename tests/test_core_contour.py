"""core.contour.zero_segments against fields whose zero set is known exactly."""

import warnings

import numpy as np
import pytest

from core.contour import zero_segments

# Multiples of 0.25 and 0.5 are exact in binary, so the linear fields below are exactly
# zero on the grid nodes their lines pass through.
X_NODES = np.arange(-8, 9) * 0.25  # [-2, 2], 17 points
Y_NODES = np.arange(-6, 7) * 0.5  # [-3, 3], 13 points


def lengths(segments: np.ndarray) -> np.ndarray:
    return np.hypot(segments[:, 2] - segments[:, 0], segments[:, 3] - segments[:, 1])


def clipped_line(a, b, c, x, y) -> tuple[np.ndarray, np.ndarray, float, float]:
    """Point, unit direction and parameter range of a x + b y + c = 0 in the grid."""
    norm = np.hypot(a, b)
    point = -c * np.array([a, b]) / norm**2
    direction = np.array([-b, a]) / norm
    lo, hi = -np.inf, np.inf
    for p, d, axis in zip(point, direction, (x, y), strict=True):
        low, high = axis.min(), axis.max()
        if d == 0:
            assert low < p < high, "test lines must cross the grid"
            continue
        s0, s1 = sorted(((low - p) / d, (high - p) / d))
        lo, hi = max(lo, s0), min(hi, s1)
    assert hi > lo, "test lines must cross the grid"
    return point, direction, lo, hi


@pytest.mark.parametrize(
    ("a", "b", "c"),
    [
        (1.0, 0.0, -0.5),  # vertical, along a column of nodes
        (1.0, 0.0, 0.1),  # vertical, between columns
        (0.0, 1.0, 1.25),  # horizontal, between rows
        (0.0, -2.0, 1.0),  # horizontal, along a row of nodes
        (1.0, -1.0, 0.0),  # diagonal through nodes
        (2.0, 1.0, -1.0),  # through nodes, crossing cells corner to corner
        (0.3, -0.7, 0.123),  # general
    ],
)
@pytest.mark.parametrize("flip_y", [False, True])
def test_linear_field_is_tiled_exactly_by_segments(a, b, c, flip_y):
    x, y = X_NODES, Y_NODES[::-1] if flip_y else Y_NODES
    X, Y = np.meshgrid(x, y)
    segments = zero_segments(a * X + b * Y + c, x, y)
    assert segments.dtype == float and segments.ndim == 2 and segments.shape[1] == 4

    ends = segments.reshape(-1, 2)
    scale = np.hypot(a, b) * 4.0
    np.testing.assert_allclose(ends @ [a, b] + c, 0.0, atol=1e-9 * scale)

    point, direction, lo, hi = clipped_line(a, b, c, x, y)
    assert lengths(segments).sum() == pytest.approx(hi - lo, rel=1e-9)
    assert np.all(lengths(segments) > 0)
    # Along the line, the segments follow each other without gap or overlap.
    s = np.sort(((ends - point) @ direction).reshape(-1, 2), axis=1)
    s = s[np.argsort(s[:, 0])]
    np.testing.assert_allclose(s[0, 0], lo, atol=1e-9)
    np.testing.assert_allclose(s[-1, 1], hi, atol=1e-9)
    np.testing.assert_allclose(s[1:, 0], s[:-1, 1], atol=1e-9)


def test_circle_is_a_closed_curve_of_the_right_radius_and_length():
    x, y = np.linspace(-1.0, 1.0, 101), np.linspace(-0.9, 1.1, 81)
    h, r = 0.025, 0.7
    X, Y = np.meshgrid(x, y)
    segments = zero_segments(X**2 + Y**2 - r**2, x, y)

    ends = segments.reshape(-1, 2)
    np.testing.assert_array_less(np.abs(np.hypot(ends[:, 0], ends[:, 1]) - r), h**2)
    assert lengths(segments).sum() == pytest.approx(2 * np.pi * r, rel=0.01)
    # Closed: every endpoint is shared, bitwise, by exactly two segments.
    _, counts = np.unique(ends, axis=0, return_counts=True)
    assert np.all(counts == 2)


def edge_of(point) -> str:
    """Which edge of the unit square a point (not a corner) lies on."""
    px, py = point
    on = {"bottom": py == 0, "top": py == 1, "left": px == 0, "right": px == 1}
    (name,) = (name for name, hit in on.items() if hit)
    return name


def test_saddle_gives_two_segments_between_different_edges():
    segments = zero_segments([[1.0, -1.0], [-1.0, 1.0]], [0.0, 1.0], [0.0, 1.0])
    assert segments.shape == (2, 4)
    edges = [{edge_of(s[:2]), edge_of(s[2:])} for s in segments]
    assert all(len(pair) == 2 for pair in edges)
    assert set().union(*edges) == {"bottom", "right", "top", "left"}


@pytest.mark.parametrize(
    ("Z", "cut_off"),
    [
        # Centre >= 0: the positive corners connect, the negative ones are cut off.
        ([[2.0, -1.0], [-1.0, 2.0]], [{"bottom", "right"}, {"top", "left"}]),
        ([[-1.0, 2.0], [2.0, -1.0]], [{"bottom", "left"}, {"top", "right"}]),
        ([[1.0, -1.0], [-1.0, 1.0]], [{"bottom", "right"}, {"top", "left"}]),
        # Centre < 0: the positive corners are cut off.
        ([[1.0, -2.0], [-2.0, 1.0]], [{"bottom", "left"}, {"top", "right"}]),
        ([[-2.0, 1.0], [1.0, -2.0]], [{"bottom", "right"}, {"top", "left"}]),
    ],
)
def test_saddle_follows_the_sign_of_the_cell_centre(Z, cut_off):
    segments = zero_segments(Z, [0.0, 1.0], [0.0, 1.0])
    edges = [{edge_of(s[:2]), edge_of(s[2:])} for s in segments]
    assert sorted(map(sorted, edges)) == sorted(map(sorted, cut_off))


@pytest.mark.parametrize("sign", [1.0, -1.0])
def test_no_crossing_gives_an_empty_array(sign):
    x, y = np.linspace(0, 1, 7), np.linspace(0, 2, 5)
    segments = zero_segments(sign * (1 + np.zeros((5, 7))), x, y)
    assert segments.shape == (0, 4) and segments.dtype == float


def test_exact_zeros_never_divide_by_zero():
    rng = np.random.default_rng(1)
    x, y = np.linspace(0, 1, 20), np.linspace(0, 1, 15)
    stack = rng.integers(-1, 2, size=(4, 15, 20)).astype(float)
    with np.errstate(all="raise"):
        parts = zero_segments(stack, x, y)
    assert all(np.all(np.isfinite(p)) and np.all(lengths(p) > 0) for p in parts)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_cells_with_a_non_finite_corner_are_skipped_quietly(bad):
    x, y = np.linspace(0, 1, 5), np.linspace(0, 1, 5)
    X, _ = np.meshgrid(x, y)
    Z = X - 0.4  # crosses the four cells of column 1
    Z[2, 1] = bad  # a corner of the middle two of them
    with np.errstate(all="raise"), warnings.catch_warnings():
        warnings.simplefilter("error")
        segments = zero_segments(Z, x, y)
    np.testing.assert_allclose(segments[:, [0, 2]], 0.4)
    ys = np.sort(segments[:, [1, 3]], axis=1)
    np.testing.assert_allclose(ys[np.argsort(ys[:, 0])], [[0, 0.25], [0.75, 1]])


def test_stack_matches_one_grid_at_a_time():
    rng = np.random.default_rng(0)
    x, y = np.linspace(-1, 2, 12), np.linspace(0, 1, 9)
    stack = rng.normal(size=(5, 9, 12))
    stack[1] = np.abs(stack[1]) + 1  # no crossing
    stack[2, 4, 5] = np.nan
    parts = zero_segments(stack, x, y)
    assert isinstance(parts, list) and len(parts) == 5
    for Z, part in zip(stack, parts, strict=True):
        single = zero_segments(Z, x, y)
        assert isinstance(single, np.ndarray)
        np.testing.assert_array_equal(part, single)
    assert len(parts[1]) == 0 and len(parts[0]) > 0
    assert zero_segments(np.empty((0, 9, 12)), x, y) == []


def test_max_segments_keeps_the_first_ones():
    x = y = np.linspace(-1, 1, 30)
    X, Y = np.meshgrid(x, y)
    full = zero_segments(X**2 + Y**2 - 0.5, x, y)
    np.testing.assert_array_equal(zero_segments(X**2 + Y**2 - 0.5, x, y, 10), full[:10])
    parts = zero_segments(np.stack([X - 0.1, Y - 0.1]), x, y, max_segments=3)
    assert [len(p) for p in parts] == [3, 3]
    with pytest.raises(ValueError, match="max_segments"):
        zero_segments(X, x, y, max_segments=-1)


@pytest.mark.parametrize(
    ("shape", "nx", "ny"),
    [
        ((4,), 4, 1),  # Z not a grid
        ((2, 3, 4, 5), 5, 4),  # too many dimensions
        ((4, 5), 4, 5),  # x and y swapped
        ((4, 5), 5, 3),  # y too short
        ((2, 4, 5), 6, 4),  # x too long
        ((1, 5), 5, 1),  # a single row of points
        ((4, 1), 1, 4),  # a single column of points
    ],
)
def test_bad_shapes_raise(shape, nx, ny):
    with pytest.raises(ValueError):
        zero_segments(np.zeros(shape), np.arange(nx), np.arange(ny))


def test_x_and_y_must_be_one_dimensional():
    with pytest.raises(ValueError, match="shape"):
        zero_segments(np.zeros((3, 4)), np.zeros((1, 4)), np.arange(3))
