"""Points and boxes in map pixels (origin top left, y downwards)."""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Point:
    x: float
    y: float

    def distance(self, other: Point) -> float:
        return math.hypot(other.x - self.x, other.y - self.y)


@dataclass(frozen=True)
class Rect:
    """An axis-aligned box: ``x``/``y`` is the top-left corner."""

    x: float
    y: float
    w: float
    h: float

    @property
    def right(self) -> float:
        return self.x + self.w

    @property
    def bottom(self) -> float:
        return self.y + self.h

    @property
    def centre(self) -> Point:
        return Point(self.x + self.w / 2, self.y + self.h / 2)

    def grown(self, by: float) -> Rect:
        """The box with ``by`` pixels added on every side (negative shrinks it)."""
        return Rect(self.x - by, self.y - by, self.w + 2 * by, self.h + 2 * by)

    def overlaps(self, other: Rect) -> bool:
        """Whether the two boxes share any area (touching edges do not count)."""
        return (
            self.x < other.right
            and other.x < self.right
            and self.y < other.bottom
            and other.y < self.bottom
        )

    def contains(self, p: Point) -> bool:
        return self.x <= p.x <= self.right and self.y <= p.y <= self.bottom

    def inside(self, width: float, height: float) -> bool:
        """Whether the box lies within a ``width`` × ``height`` canvas."""
        return self.x >= 0 and self.y >= 0 and self.right <= width and self.bottom <= height

    def distance(self, p: Point) -> float:
        """How far ``p`` is from the box (0 inside it)."""
        dx = max(self.x - p.x, 0.0, p.x - self.right)
        dy = max(self.y - p.y, 0.0, p.y - self.bottom)
        return math.hypot(dx, dy)

    def nearest_on_border(self, p: Point) -> Point:
        """The point of the box's outline nearest to ``p`` (``p`` lies outside the box)."""
        x = min(max(p.x, self.x), self.right)
        y = min(max(p.y, self.y), self.bottom)
        if self.x < x < self.right and self.y < y < self.bottom:  # inside: to the nearest side
            sides = [
                (x - self.x, Point(self.x, y)),
                (self.right - x, Point(self.right, y)),
                (y - self.y, Point(x, self.y)),
                (self.bottom - y, Point(x, self.bottom)),
            ]
            return min(sides, key=lambda s: s[0])[1]
        return Point(x, y)


def overlap_area(a: Rect, b: Rect) -> float:
    dx = min(a.right, b.right) - max(a.x, b.x)
    dy = min(a.bottom, b.bottom) - max(a.y, b.y)
    return dx * dy if dx > 0 and dy > 0 else 0.0


def clamp(rect: Rect, width: float, height: float) -> Rect:
    """``rect`` moved (not resized) to lie within the canvas as far as it can."""
    x = min(max(rect.x, 0.0), width - rect.w)
    y = min(max(rect.y, 0.0), height - rect.h)
    return Rect(x, y, rect.w, rect.h)


def segment_hits(p: Point, q: Point, rect: Rect) -> bool:
    """Whether the segment ``p``–``q`` passes through the inside of ``rect`` (Liang–Barsky)."""
    t0, t1 = 0.0, 1.0
    dx, dy = q.x - p.x, q.y - p.y
    sides = (
        (-dx, p.x - rect.x),
        (dx, rect.right - p.x),
        (-dy, p.y - rect.y),
        (dy, rect.bottom - p.y),
    )
    for denom, num in sides:
        if denom == 0:
            if num <= 0:
                return False
            continue
        t = num / denom
        if denom < 0:
            t0 = max(t0, t)
        else:
            t1 = min(t1, t)
        if t0 >= t1:
            return False
    # Touching a corner or sliding along a side is not passing through.
    return t1 - t0 > 1e-9 and rect.w > 0 and rect.h > 0


def segments_close(a: Point, b: Point, c: Point, d: Point, gap: float) -> bool:
    """Whether segment ``a``–``b`` comes within ``gap`` pixels of segment ``c``–``d``."""
    if _cross(a, b, c, d):
        return True
    return (
        min(
            _point_segment(a, c, d),
            _point_segment(b, c, d),
            _point_segment(c, a, b),
            _point_segment(d, a, b),
        )
        < gap
    )


def runs_alongside(a: Point, b: Point, c: Point, d: Point, gap: float) -> bool:
    """Whether segments ``a``–``b`` and ``c``–``d`` run side by side within ``gap`` pixels.

    Crossing at an angle is fine; lying along each other (under 25°, overlapping over more
    than ``gap``) is what makes two edges read as one.
    """
    u = (b.x - a.x, b.y - a.y)
    v = (d.x - c.x, d.y - c.y)
    lu, lv = math.hypot(*u), math.hypot(*v)
    if lu < gap or lv < gap:
        return False
    cos = abs(u[0] * v[0] + u[1] * v[1]) / (lu * lv)
    if cos < math.cos(math.radians(25)):
        return False
    # Sample the shorter segment: enough of it near the other one means they run together.
    (p, q), (r, s) = ((a, b), (c, d)) if lu <= lv else ((c, d), (a, b))
    steps = max(2, math.ceil(min(lu, lv) / gap))
    near = 0
    for k in range(steps + 1):
        t = k / steps
        point = Point(p.x + (q.x - p.x) * t, p.y + (q.y - p.y) * t)
        if _point_segment(point, r, s) < gap:
            near += 1
    return near >= 5  # together for 4 gaps or more


def _point_segment(p: Point, a: Point, b: Point) -> float:
    dx, dy = b.x - a.x, b.y - a.y
    length2 = dx * dx + dy * dy
    t = 0.0 if length2 == 0 else max(0.0, min(1.0, ((p.x - a.x) * dx + (p.y - a.y) * dy) / length2))
    return math.hypot(p.x - (a.x + t * dx), p.y - (a.y + t * dy))


def _cross(a: Point, b: Point, c: Point, d: Point) -> bool:
    def orient(p: Point, q: Point, r: Point) -> float:
        return (q.x - p.x) * (r.y - p.y) - (q.y - p.y) * (r.x - p.x)

    o1, o2, o3, o4 = orient(a, b, c), orient(a, b, d), orient(c, d, a), orient(c, d, b)
    return (o1 > 0) != (o2 > 0) and (o3 > 0) != (o4 > 0) and o1 != 0 and o3 != 0
