"""Noding: make shared edges identical on both sides.

A clean coverage needs more than "no overlap": where two grids touch, both must carry exactly
the same vertices, or the checker (``shapely.coverage_invalid_edges``) sees near-matching edges
and every later overlay produces slivers. Overlays keep input vertices exactly but compute new
intersection points, which lie on the neighbour's edge only up to floating-point noise. The
remedy used by every editing operation is :func:`conform`: snap the edited geometries' vertices
to nearby existing vertices, then insert every vertex that lies on someone else's edge (within
``noding_precision_m``) into that edge, so both sides go through the same coordinates.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from mapedit.model.editing.rings import Rings, from_rings, same_geometry, to_rings, vertex_array


def _unique_rows(a: np.ndarray) -> np.ndarray:
    if len(a) == 0:
        return a.reshape(0, 2)
    _, idx = np.unique(a, axis=0, return_index=True)
    return a[np.sort(idx)]  # keep first-seen order: earlier geometries win ties


def _snap_map(points: np.ndarray, anchors: np.ndarray, tol: float) -> dict[tuple, tuple]:
    """Map each of ``points`` to an anchor within ``tol`` (nearest) or, failing that, to the
    first-seen point of its cluster; anchors themselves never move."""
    mapping: dict[tuple, tuple] = {}
    if len(points) == 0:
        return mapping
    rest = points
    if len(anchors):
        tree = shapely.STRtree(shapely.points(anchors))
        pts = shapely.points(points)
        idx, dist = tree.query_nearest(pts, max_distance=tol, return_distance=True,
                                       all_matches=False)
        hit = np.zeros(len(points), dtype=bool)
        for i_pt, i_anchor in zip(idx[0], idx[1], strict=True):
            if not hit[i_pt]:
                hit[i_pt] = True
                mapping[tuple(points[i_pt])] = tuple(anchors[i_anchor])
        rest = points[~hit]
    if len(rest):
        tree = shapely.STRtree(shapely.points(rest))
        pairs = tree.query(shapely.points(rest), predicate="dwithin", distance=tol)
        near: dict[int, list[int]] = {}
        for a, b in zip(pairs[0], pairs[1], strict=True):
            near.setdefault(int(a), []).append(int(b))
        done = np.zeros(len(rest), dtype=bool)
        for i in range(len(rest)):
            if done[i]:
                continue
            done[i] = True
            key = tuple(rest[i])
            mapping[key] = key
            for j in near.get(i, ()):
                if not done[j]:
                    done[j] = True
                    mapping[tuple(rest[j])] = key
    return mapping


def _insert_into_ring(ring: np.ndarray, cands: np.ndarray, tree: shapely.STRtree | None,
                      tol: float) -> np.ndarray:
    """Insert the candidate points lying within ``tol`` of a ring's segments (and not within
    ``tol`` of the segment's ends) into those segments, in order along each segment."""
    if tree is None or len(ring) < 2:
        return ring
    a, b = ring[:-1], ring[1:]
    segs = shapely.linestrings(np.stack([a, b], axis=1))
    pairs = tree.query(segs, predicate="dwithin", distance=tol)
    if pairs.shape[1] == 0:
        return ring
    inserts: dict[int, list[tuple[float, np.ndarray]]] = {}
    for s, c in zip(pairs[0], pairs[1], strict=True):
        p = cands[c]
        pa, ab = p - a[s], b[s] - a[s]  # local differences keep full precision far from 0
        ll = float(ab @ ab)
        if ll == 0.0:
            continue
        if float(pa @ pa) <= tol * tol:
            continue
        pb = p - b[s]
        if float(pb @ pb) <= tol * tol:
            continue
        t = float(pa @ ab) / ll
        if not 0.0 < t < 1.0:
            continue
        off = pa - t * ab
        if float(off @ off) > tol * tol:
            continue
        inserts.setdefault(int(s), []).append((t, p))
    if not inserts:
        return ring
    out: list[np.ndarray] = []
    for s in range(len(a)):
        out.append(a[s])
        for _, p in sorted(inserts.get(s, ()), key=lambda tp: tp[0]):
            out.append(p)
    out.append(ring[-1])
    return np.asarray(out)


def _tree(points: np.ndarray) -> shapely.STRtree | None:
    return shapely.STRtree(shapely.points(points)) if len(points) else None


def _apply_snap(rings: Rings, mapping: dict[tuple, tuple]) -> Rings:
    out: Rings = []
    for poly in rings:
        new_poly = []
        for ring in poly:
            new_poly.append(np.asarray([mapping.get(tuple(c), tuple(c)) for c in ring]))
        out.append(new_poly)
    return out


def conform(edit: Sequence[BaseGeometry], fixed: Sequence[BaseGeometry], tolerance: float,
            reference: Sequence[BaseGeometry] = ()) -> tuple[list[BaseGeometry],
                                                             list[BaseGeometry]]:
    """Node edited geometries against fixed neighbours.

    ``edit`` (new or reshaped grids) may move their vertices by up to ``tolerance`` onto
    vertices of ``reference`` (the unit boundary), ``fixed`` or each other, and receive every
    such vertex lying on their edges. ``fixed`` (untouched neighbours) never move a vertex;
    they only receive the edited geometries' vertices that lie on their edges — that insertion
    is the neighbour update an edit must carry. Returns ``(edit', fixed')``; an unchanged fixed
    geometry is returned as the very same object, so callers detect updates with ``is``.
    Validity is not repaired here (the edit's guard refuses invalid results).
    """
    tol = float(tolerance)
    anchors = _unique_rows(vertex_array(list(reference) + list(fixed)))
    edit_pts = _unique_rows(vertex_array(edit))
    mapping = _snap_map(edit_pts, anchors, tol)
    edit_rings = [_apply_snap(to_rings(g), mapping) for g in edit]
    # Vertices of the edited geometries after snapping: what the fixed ones may receive.
    edit_vertices = _unique_rows(np.asarray(list(set(mapping.values())), dtype=float)
                                 if mapping else np.empty((0, 2)))
    all_vertices = _unique_rows(np.vstack([anchors, edit_vertices]))
    tree_all, tree_edit = _tree(all_vertices), _tree(edit_vertices)

    new_edit = []
    for rings in edit_rings:
        rings = [[_insert_into_ring(r, all_vertices, tree_all, tol) for r in poly]
                 for poly in rings]
        new_edit.append(from_rings(rings))
    new_fixed: list[BaseGeometry] = []
    for g in fixed:
        rings = to_rings(g)
        changed = False
        out: Rings = []
        for poly in rings:
            new_poly = []
            for r in poly:
                nr = _insert_into_ring(r, edit_vertices, tree_edit, tol)
                changed = changed or len(nr) != len(r)
                new_poly.append(nr)
            out.append(new_poly)
        new_fixed.append(from_rings(out) if changed else g)
    return new_edit, new_fixed


def node_shared_edges(geoms: Sequence[BaseGeometry], tolerance: float) -> list[BaseGeometry]:
    """Make shared edges identical on both sides: vertices closer than ``tolerance`` are merged
    (the earlier geometry's vertex wins), and every vertex lying within ``tolerance`` of another
    geometry's edge is inserted into that edge. Geometries needing no change are returned as the
    same objects. Used to repair imported data and by merge before a coverage union."""
    out, _ = conform(list(geoms), [], tolerance)
    return [g if same_geometry(g, o) else o for g, o in zip(geoms, out, strict=True)]
