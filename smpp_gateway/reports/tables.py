"""Plain-text tables and number formats for terminals (reports print no colour and no box drawing, so
their output pastes into tickets and e-mails as it is)."""

from __future__ import annotations

from collections.abc import Collection, Sequence


def percent(value: float | None) -> str:
    return "-" if value is None else f"{value:.1%}"


def duration_text(seconds: float | None) -> str:
    """A duration in the unit that keeps it short: 850us, 12ms, 3.4s, 2.5m, 4.1h, 1.2d."""
    if seconds is None:
        return "-"
    if seconds < 0.001:
        return f"{seconds * 1e6:.0f}us"
    if seconds < 1:
        return f"{seconds * 1000:.0f}ms"
    for unit, size in (("d", 86400.0), ("h", 3600.0), ("m", 60.0)):
        if seconds >= size:
            return f"{seconds / size:.1f}{unit}"
    return f"{seconds:.1f}s"


def render_table(header: Sequence[str], rows: Sequence[Sequence[str]], left: Collection[int] = (0,)) -> str:
    """Columns padded to their widest cell; the ``left`` columns (text) left-aligned, others right."""
    widths = [max(len(cell) for cell in column) for column in zip(header, *rows, strict=True)]
    lines = []
    for cells in (header, *rows):
        padded = [
            cell.ljust(width) if index in left else cell.rjust(width)
            for index, (cell, width) in enumerate(zip(cells, widths, strict=True))
        ]
        lines.append("  ".join(padded).rstrip())
    return "\n".join(lines)
