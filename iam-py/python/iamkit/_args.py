"""Checks of integer arguments: out of range is a ``ValueError`` (never an ``OverflowError``, a
silent wrap-around of a negative index, or a cell of the next row)."""

from __future__ import annotations

__all__ = ["U32_MAX", "int_in_range"]

U32_MAX = 2**32 - 1


def int_in_range(value: object, name: str, low: int, high: int) -> int:
    """``value`` if it is an ``int`` from ``low`` to ``high``; else ``TypeError`` (not an int)
    or ``ValueError`` (out of range) naming the argument and the range."""
    if not isinstance(value, int):
        raise TypeError(f"{name} must be an int, not {type(value).__name__}")
    if not low <= value <= high:
        raise ValueError(f"{name} must be an integer from {low} to {high}, not {value!r}")
    return value
