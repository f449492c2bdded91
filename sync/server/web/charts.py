"""Charts drawn on the server as inline SVG: nothing to load, readable without scripts."""

from __future__ import annotations

from markupsafe import Markup, escape

WIDTH = 640
HEIGHT = 200
LEFT = 40
BOTTOM = 24
TOP = 10


def _frame(kind: str, label: str, body: list[str], peak: int) -> Markup:
    plot_h = HEIGHT - BOTTOM - TOP
    axis = (
        f'<line class="axis" x1="{LEFT}" y1="{TOP + plot_h}" x2="{WIDTH}" y2="{TOP + plot_h}"/>'
        f'<text x="{LEFT - 4}" y="{TOP + 8}" text-anchor="end">{peak}</text>'
        f'<text x="{LEFT - 4}" y="{TOP + plot_h}" text-anchor="end">0</text>'
    )
    return Markup(
        f'<svg class="chart {kind}" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{escape(label)}">'
        f"<title>{escape(label)}</title>{axis}{''.join(body)}</svg>"
    )


def _ticks(labels: list[str]) -> int:
    """Label every n-th point so the labels never overlap."""
    return max(1, len(labels) // 12 + (1 if len(labels) % 12 else 0))


def bars(label: str, points: list[tuple[str, int]]) -> Markup:
    peak = max([v for _, v in points] + [1])
    plot_w, plot_h = WIDTH - LEFT, HEIGHT - BOTTOM - TOP
    step = plot_w / max(1, len(points))
    every = _ticks([p[0] for p in points])
    body = []
    for i, (name, value) in enumerate(points):
        h = plot_h * max(value, 0) / peak
        x = LEFT + i * step
        body.append(
            f'<rect class="bar" x="{x + step * 0.1:.1f}" y="{TOP + plot_h - h:.1f}" width="{step * 0.8:.1f}" '
            f'height="{h:.1f}"><title>{escape(name)}: {value}</title></rect>'
        )
        if i % every == 0:
            body.append(
                f'<text x="{x + step / 2:.1f}" y="{HEIGHT - 6}" text-anchor="middle">{escape(name)}</text>'
            )
    return _frame("bars", label, body, peak)


def _short_day(name: str) -> str:
    """A day's label without its year: 03-01 (from 2026-03-01) or 1.3. (from 1.3.2026)."""
    if name[:4].isdigit() and name[4:5] == "-":
        return name[5:]
    return name.rsplit(".", 1)[0] + "." if name.count(".") == 2 else name


def line(label: str, points: list[tuple[str, int]]) -> Markup:
    peak = max([v for _, v in points] + [1])
    plot_w, plot_h = WIDTH - LEFT - 10, HEIGHT - BOTTOM - TOP
    step = plot_w / max(1, len(points) - 1)
    every = _ticks([p[0] for p in points])
    coords = [(LEFT + i * step, TOP + plot_h - plot_h * max(v, 0) / peak) for i, (_, v) in enumerate(points)]
    body = [f'<polyline class="line" points="{" ".join(f"{x:.1f},{y:.1f}" for x, y in coords)}"/>']
    for i, ((name, value), (x, y)) in enumerate(zip(points, coords, strict=True)):
        body.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.5" class="dot">'
            f"<title>{escape(name)}: {value}</title></circle>"
        )
        if i % every == 0:
            body.append(
                f'<text x="{x:.1f}" y="{HEIGHT - 6}" text-anchor="middle">{escape(_short_day(name))}</text>'
            )
    return _frame("line", label, body, peak)
