"""Routing the map's edges around its boxes, and finding each edge's label a free spot.

An edge is searched on a grid of 12 px cells (A*, 8 neighbours) from the ring of free cells
around its source box to the ring around its target box, with every other box, band heading
and legend entry blocked, and cells earlier edges went through made a little dearer, so edges
spread over the free corridors instead of piling into one. The cell path is then pulled tight
(each point joined to the furthest one it can see without crossing a box), which leaves a few
straight segments; the drawing rounds their corners. Deterministic: ties break on cell order.
"""

from __future__ import annotations

import heapq
import itertools
import math
from collections.abc import Sequence

from bot.stance_map.geometry import (
    Point,
    Rect,
    clamp,
    overlap_area,
    runs_alongside,
    segment_hits,
    segments_close,
)

CELL = 12
CLEARANCE = 9  # how far a searched path keeps from a box
SIGHT_CLEARANCE = 6  # how far a pulled-tight segment keeps from a box
START_GAP = 2
END_GAP = 7  # the arrow's tip stops short of its target box
PARALLEL_GAP = 14  # between two edges joining the same pair of boxes
ALONGSIDE_GAP = 8  # a segment may cross another edge, not run along it this close
#: A search that has not arrived after this many steps gives up (a straight line is drawn), so
#: a crowded map cannot make the layout slow.
MAX_EXPANSIONS = 12_000
PORT_SPACING = 44  # between the points where two edges meet the same box
_STEPS = tuple(
    (di, dj, CELL * (math.sqrt(2) if di and dj else 1.0))
    for di in (-1, 0, 1)
    for dj in (-1, 0, 1)
    if di or dj
)
#: Where along its edge a label may go, best first: the middle, then outwards.
_LABEL_STOPS = tuple(sorted((k / 20 for k in range(2, 19)), key=lambda t: (abs(t - 0.5), t)))

Polyline = tuple[Point, ...]


class Router:
    """Routes edges on one canvas whose boxes are ``obstacles``."""

    def __init__(self, width: float, height: float, obstacles: Sequence[Rect]) -> None:
        self.width, self.height = width, height
        self.cols, self.rows = math.ceil(width / CELL), math.ceil(height / CELL)
        self.obstacles = list(obstacles)
        self.usage = [0] * (self.cols * self.rows)
        self.drawn: list[Polyline] = []
        #: Where earlier edges met each box, so later ones meet it elsewhere.
        self.ports: dict[Rect, list[Point]] = {}
        self.blocked = [False] * (self.cols * self.rows)
        inner = set(self._cells_in(Rect(CELL, CELL, width - 2 * CELL, height - 2 * CELL)))
        self.blocked = [index not in inner for index in range(self.cols * self.rows)]
        for rect in self.obstacles:
            for index in self._cells_in(rect.grown(CLEARANCE)):
                self.blocked[index] = True

    def _centre(self, index: int) -> Point:
        j, i = divmod(index, self.cols)
        return Point(i * CELL + CELL / 2, j * CELL + CELL / 2)

    def _cells_in(self, rect: Rect) -> list[int]:
        i0 = max(0, math.floor((rect.x - CELL / 2) / CELL))
        i1 = min(self.cols - 1, math.ceil((rect.right - CELL / 2) / CELL))
        j0 = max(0, math.floor((rect.y - CELL / 2) / CELL))
        j1 = min(self.rows - 1, math.ceil((rect.bottom - CELL / 2) / CELL))
        half = CELL / 2
        xs = [i for i in range(i0, i1 + 1) if rect.x <= i * CELL + half <= rect.right]
        return [
            j * self.cols + i
            for j in range(j0, j1 + 1)
            if rect.y <= j * CELL + half <= rect.bottom
            for i in xs
        ]

    def _ring(self, box: Rect) -> list[int]:
        """Free cells just outside ``box``: where a path may start or end."""
        return [i for i in self._cells_in(box.grown(CLEARANCE + CELL * 1.5)) if not self.blocked[i]]

    def route(self, source: Rect, target: Rect, *, keep_off: Sequence[Polyline] = ()) -> Polyline:
        """A polyline from the outline of ``source`` to just outside ``target``."""
        cells = self._search(source, target, keep_off)
        if cells is None:  # no corridor at all: a straight line between the outlines
            a, b = source.centre, target.centre
            start = source.nearest_on_border(b) if not source.contains(b) else a
            end = target.nearest_on_border(a) if not target.contains(a) else b
            return (start, end)
        points = [self._centre(i) for i in cells]
        start = _pushed(source, points[0], START_GAP)
        end = _pushed(target, points[-1], END_GAP)
        line = self._pull([start, *points, end], source, target, keep_off)
        for a, b in itertools.pairwise(line):
            for index in self._cells_along(a, b):
                self.usage[index] += 1
        self.ports.setdefault(source, []).append(line[0])
        self.ports.setdefault(target, []).append(line[-1])
        self.drawn.append(line)
        return line

    def _port_cost(self, box: Rect, index: int) -> float:
        """Extra cost of meeting ``box`` at this cell: near a corner, or where others meet it."""
        c = self._centre(index)
        cost = 0.0
        if not (box.x <= c.x <= box.right or box.y <= c.y <= box.bottom):
            cost += CELL * 2  # diagonal from the box: the line would leave from a corner
        near = sum(1 for p in self.ports.get(box, ()) if p.distance(c) < PORT_SPACING)
        return cost + near * CELL * 10

    def _search(self, source: Rect, target: Rect, keep_off: Sequence[Polyline]) -> list[int] | None:
        goal = set(self._ring(target))
        starts = self._ring(source)
        if not goal or not starts:
            return None
        blocked = self.blocked
        if keep_off:
            blocked = list(blocked)
            for line in keep_off:
                for a, b in itertools.pairwise(line):
                    for index in self._cells_along(a, b):
                        blocked[index] = True
        aim = target.grown(CLEARANCE)
        ax0, ax1, ay0, ay1 = aim.x, aim.right, aim.y, aim.bottom
        cols, rows, usage, half = self.cols, self.rows, self.usage, CELL / 2

        def h(n: int) -> float:
            j, i = divmod(n, cols)
            x, y = i * CELL + half, j * CELL + half
            return math.hypot(max(ax0 - x, 0.0, x - ax1), max(ay0 - y, 0.0, y - ay1))

        best: dict[int, float] = {}
        came: dict[int, int] = {}
        # Entries (priority, cost, node); node -1 - n means "arrived, through goal cell n":
        # reaching the target costs that cell's port price once, like a last step.
        heap: list[tuple[float, float, int]] = []
        for s in starts:
            best[s] = self._port_cost(source, s)
            heapq.heappush(heap, (best[s] + h(s), best[s], s))
        budget = MAX_EXPANSIONS
        while heap and budget:
            budget -= 1
            _, cost, index = heapq.heappop(heap)
            if index < 0:
                path = [-1 - index]
                while path[-1] in came:
                    path.append(came[path[-1]])
                return path[::-1]
            if cost > best.get(index, math.inf):
                continue
            if index in goal:
                total = cost + self._port_cost(target, index)
                heapq.heappush(heap, (total, total, -1 - index))
            j, i = divmod(index, cols)
            for di, dj, step in _STEPS:
                ni, nj = i + di, j + dj
                if not (0 <= ni < cols and 0 <= nj < rows):
                    continue
                n = nj * cols + ni
                if blocked[n] and n not in goal:
                    continue
                new = cost + step + min(usage[n], 3) * CELL * 0.75
                if new < best.get(n, math.inf):
                    best[n] = new
                    came[n] = index
                    heapq.heappush(heap, (new + h(n), new, n))
        return None

    def _cells_along(self, a: Point, b: Point) -> list[int]:
        steps = max(1, math.ceil(a.distance(b) / (CELL / 2)))
        out = []
        for k in range(steps + 1):
            x = a.x + (b.x - a.x) * k / steps
            y = a.y + (b.y - a.y) * k / steps
            i, j = int(x // CELL), int(y // CELL)
            if 0 <= i < self.cols and 0 <= j < self.rows:
                out.append(j * self.cols + i)
        return list(dict.fromkeys(out))

    def _visible(
        self, a: Point, b: Point, source: Rect, target: Rect, keep_off: Sequence[Polyline]
    ) -> bool:
        for rect in self.obstacles:
            if rect in (source, target):
                if segment_hits(a, b, rect.grown(-1)):
                    return False
            elif segment_hits(a, b, rect.grown(SIGHT_CLEARANCE)):
                return False
        for line in keep_off:
            for c, d in itertools.pairwise(line):
                if segments_close(a, b, c, d, PARALLEL_GAP):
                    return False
        for line in self.drawn:
            for c, d in itertools.pairwise(line):
                if runs_alongside(a, b, c, d, ALONGSIDE_GAP):
                    return False
        return True

    def _pull(
        self, points: list[Point], source: Rect, target: Rect, keep_off: Sequence[Polyline]
    ) -> Polyline:
        out = [points[0]]
        i = 0
        while i < len(points) - 1:
            j = len(points) - 1
            while j > i + 1 and not self._visible(points[i], points[j], source, target, keep_off):
                j -= 1
            out.append(points[j])
            i = j
        return tuple(out)


def _pushed(box: Rect, towards: Point, gap: float) -> Point:
    """The point of ``box``'s outline nearest ``towards``, moved ``gap`` px towards it."""
    on = box.nearest_on_border(towards)
    d = on.distance(towards)
    if d == 0:
        return on
    f = min(gap, d) / d
    return Point(on.x + (towards.x - on.x) * f, on.y + (towards.y - on.y) * f)


def length(line: Polyline) -> float:
    return sum(a.distance(b) for a, b in itertools.pairwise(line))


def point_at(line: Polyline, fraction: float) -> Point:
    """The point ``fraction`` of the way along ``line``."""
    remaining = length(line) * fraction
    for a, b in itertools.pairwise(line):
        d = a.distance(b)
        if remaining <= d and d > 0:
            f = remaining / d
            return Point(a.x + (b.x - a.x) * f, a.y + (b.y - a.y) * f)
        remaining -= d
    return line[-1]


def place_labels(
    lines: Sequence[Polyline],
    sizes: Sequence[tuple[float, float]],
    obstacles: Sequence[Rect],
    width: float,
    height: float,
) -> list[Rect]:
    """A box for each edge's label, on its line, clear of boxes and other labels if it can be.

    Labels of the shortest edges are placed first: they have the fewest spots to choose from.
    """
    placed: dict[int, Rect] = {}
    taken = list(obstacles)
    ends = [end for line in lines for end in (line[0], line[-1])]
    # Each segment with its bounding box, so most are ruled out by four comparisons.
    segments = [
        (k, a, b, min(a.x, b.x), max(a.x, b.x), min(a.y, b.y), max(a.y, b.y))
        for k, line in enumerate(lines)
        for a, b in itertools.pairwise(line)
    ]
    order = sorted(range(len(lines)), key=lambda k: (length(lines[k]), k))
    for k in order:
        w, h = sizes[k]
        line = lines[k]
        best: tuple[float, Rect] | None = None
        for spot, cost in _label_spots(line, w, h):
            rect = clamp(spot, width, height)
            score = cost
            for r in taken:
                if rect.overlaps(r):
                    score += overlap_area(rect, r)
            # Hiding an arrowhead or an edge's end misleads more than sitting a little aside.
            near = rect.grown(6)
            score += 400 * sum(1 for end in ends if near.contains(end))
            x0, x1, y0, y1 = rect.x, rect.right, rect.y, rect.bottom
            score += 80 * sum(
                1
                for other, a, b, sx0, sx1, sy0, sy1 in segments
                if other != k
                and sx1 > x0
                and sx0 < x1
                and sy1 > y0
                and sy0 < y1
                and segment_hits(a, b, rect)
            )
            if best is None or score < best[0]:
                best = (score, rect)
            if score == 0:
                break
        assert best is not None
        placed[k] = best[1]
        taken.append(best[1].grown(3))
    return [placed[k] for k in range(len(lines))]


def _label_spots(line: Polyline, w: float, h: float) -> list[tuple[Rect, float]]:
    """Candidate label boxes with their base cost: on the line first, then beside it."""
    on = [
        (Rect(p.x - w / 2, p.y - h / 2, w, h), 0.0)
        for p in map(lambda t: point_at(line, t), _LABEL_STOPS)
    ]
    beside: list[tuple[Rect, float]] = []
    for reach, cost in ((1.0, 60.0),):
        for t in _LABEL_STOPS:
            p = point_at(line, t)
            for dx, dy in (
                (reach * (w / 2 + 8), 0.0),
                (-reach * (w / 2 + 8), 0.0),
                (0.0, reach * (h / 2 + 6)),
                (0.0, -reach * (h / 2 + 6)),
            ):
                beside.append((Rect(p.x + dx - w / 2, p.y + dy - h / 2, w, h), cost))
    return on + beside
