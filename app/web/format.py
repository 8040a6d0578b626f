"""How figures read on the blueprint: durations, counts and shares as short text. Pure.

The page, the SVG and the PNG all show the layout's text, so a figure reads the same everywhere."""

import math

MINUTE, HOUR, DAY = 60, 3600, 86400


def duration(seconds: float | None) -> str:
    """A duration in the largest unit that keeps it short: 45 s, 12 min, 5.2 h, 3.4 d, 21 d."""
    if seconds is None or not math.isfinite(seconds):
        return "–"
    sign, value = ("-" if seconds < 0 else ""), abs(seconds)
    if round(value) < MINUTE:
        return f"{sign}{value:.0f} s"
    if round(value / MINUTE) < 60:
        return f"{sign}{value / MINUTE:.0f} min"
    if value / HOUR < 23.95:
        return sign + _one_decimal(value / HOUR, "h")
    return sign + _one_decimal(value / DAY, "d")


def _one_decimal(value: float, unit: str) -> str:
    text = f"{value:.1f}" if value < 9.95 else f"{value:.0f}"
    return f"{text.removesuffix('.0')} {unit}"


def count(value: int) -> str:
    """A count with thousands separators: 21,221."""
    return f"{value:,}"


def share(value: float | None) -> str:
    """A share as a percentage: 16%, 0.4%, <0.1%."""
    if value is None:
        return "–"
    percent = value * 100
    if 0 < percent < 0.1:
        return "<0.1%"
    if percent < 9.95 and round(percent, 1) != round(percent):
        return f"{percent:.1f}%"
    return f"{percent:.0f}%"


def signed_share(value: float | None) -> str:
    """A relative difference: +52%, -33%."""
    if value is None:
        return "–"
    return ("+" if value >= 0 else "-") + share(abs(value))


def clip(text: str, width: int) -> str:
    """The text cut to `width` characters, with an ellipsis when cut."""
    return text if len(text) <= width else text[:max(width - 1, 0)].rstrip() + "…"


def wrap(text: str, width: int, lines: int) -> list[str]:
    """The text in at most `lines` lines of at most `width` characters, broken at spaces where it
    can be; the last line is clipped with an ellipsis when the text does not fit."""
    words, out, current = text.split(), [], ""
    for i, word in enumerate(words):
        candidate = f"{current} {word}".strip()
        if len(candidate) <= width:
            current = candidate
            continue
        if current:
            out.append(current)
        current = word
        if len(out) == lines - 1:
            return out + [clip(" ".join([current, *words[i + 1:]]), width)]
    if current or not out:
        out.append(clip(current, width))
    return out[:lines - 1] + [clip(" ".join(out[lines - 1:]), width)] if len(out) > lines else out
