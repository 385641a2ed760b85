"""HTTP byte ranges (RFC 9110 §14) for seeking in recordings."""

from __future__ import annotations

from fastapi import HTTPException, status


def parse_range(header: str | None, size: int) -> tuple[int, int] | None:
    """``[start, end)`` asked for by a single-range ``Range`` header, or ``None`` for all.

    Several ranges in one request are answered with the whole body, which the RFC allows.
    An unsatisfiable range raises 416 with the ``Content-Range`` the client needs.
    """
    if not header:
        return None
    unit, _, spec = header.partition("=")
    if unit.strip().lower() != "bytes" or "," in spec:
        return None
    first, dash, last = spec.strip().partition("-")
    if not dash:
        return None
    try:
        if first == "":
            length = int(last)
            if length <= 0:
                raise _unsatisfiable(size)
            return max(0, size - length), size
        start = int(first)
        end = int(last) + 1 if last else size
    except ValueError:
        return None
    if start >= size or end <= start:
        raise _unsatisfiable(size)
    return start, min(end, size)


def _unsatisfiable(size: int) -> HTTPException:
    return HTTPException(
        status.HTTP_416_RANGE_NOT_SATISFIABLE,
        "requested range not satisfiable",
        headers={"Content-Range": f"bytes */{size}"},
    )
