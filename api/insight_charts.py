"""Charts for the insight pages as inline SVG drawn on the server: no script, no outside asset,
a few hundred bytes each, readable on a phone (they scale to the width), and the numbers sit in
a table under each. Values come from the figures as shown, so a "<5" cell is drawn as nothing."""

from __future__ import annotations

from html import escape

WIDTH, HEIGHT, LEFT, BOTTOM = 600, 150, 36, 22
COLOURS = ("#1f5f8b", "#d9822b", "#3d8b3d", "#8b3d6f", "#6b6b6b", "#b5a22b")


def number(shown: str) -> float:
    """A shown figure as a number; "<5" and blanks draw as 0."""
    try:
        return float(shown)
    except ValueError:
        return 0.0


def stacked_bars(title: str, labels: list[str], series: dict[str, list[float]]) -> str:
    """One bar per label, a segment per series (language, channel, team...), with a legend."""
    if not labels:
        return ""
    totals = [sum(values[i] for values in series.values()) for i in range(len(labels))]
    top = max(totals) or 1.0
    slot = (WIDTH - LEFT) / len(labels)
    plot = HEIGHT - BOTTOM
    parts = [
        f'<svg viewBox="0 0 {WIDTH} {HEIGHT + 18}" width="100%" role="img" aria-label="{escape(title)}" '
        'xmlns="http://www.w3.org/2000/svg" font-size="11" font-family="sans-serif">',
        f"<title>{escape(title)}</title>",
        f'<text x="{WIDTH}" y="10" text-anchor="end" font-weight="bold">{escape(title)}</text>',
        f'<text x="0" y="24">{_short(top)}</text><text x="0" y="{plot}">0</text>',
        f'<line x1="{LEFT}" y1="{plot}" x2="{WIDTH}" y2="{plot}" stroke="#999"/>',
    ]
    for i, label in enumerate(labels):
        x, y = LEFT + i * slot + slot * 0.1, float(plot)
        for k, values in enumerate(series.values()):
            h = values[i] / top * (plot - 20)  # room above for the title
            if h > 0:
                y -= h
                parts.append(
                    f'<rect x="{x:.1f}" y="{y:.1f}" width="{slot * 0.8:.1f}" height="{h:.1f}" '
                    f'fill="{COLOURS[k % len(COLOURS)]}"/>'
                )
        if len(labels) <= 14 or i % max(1, len(labels) // 7) == 0:
            parts.append(f'<text x="{x:.1f}" y="{HEIGHT - 6}">{escape(label[-5:])}</text>')
    for k, name in enumerate(series):
        parts.append(
            f'<rect x="{LEFT + k * 90}" y="{HEIGHT + 6}" width="10" height="10" fill="{COLOURS[k % len(COLOURS)]}"/>'
            f'<text x="{LEFT + k * 90 + 14}" y="{HEIGHT + 15}">{escape(name)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _short(value: float) -> str:
    return f"{value / 1000:.1f}k" if value >= 1000 else f"{value:.0f}"


def by_day(rows: list[list[str]], day: int, key: int, value: int) -> tuple[list[str], dict[str, list[float]]]:
    """Shown rows (day, key..., value...) into labels and one series per key."""
    days = sorted({r[day] for r in rows})
    index = {d: i for i, d in enumerate(days)}
    series: dict[str, list[float]] = {}
    for r in rows:
        series.setdefault(r[key], [0.0] * len(days))[index[r[day]]] += number(r[value])
    return days, series


def share_by_day(
    rows: list[list[str]], day: int, weight: int, share: int, name: str
) -> tuple[list[str], dict[str, list[float]]]:
    """A percentage per day over the rows shown (weighted by `weight`): one series, never stacked."""
    days = sorted({r[day] for r in rows})
    totals = {d: [0.0, 0.0] for d in days}
    for r in rows:
        totals[r[day]][0] += number(r[weight]) * number(r[share])
        totals[r[day]][1] += number(r[weight])
    return days, {name: [round(t / w, 1) if w else 0.0 for t, w in (totals[d] for d in days)]}
