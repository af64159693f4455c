"""Shared by the benchmark scripts: a duration in the unit that reads best."""


def fmt_t(seconds: float, width: int = 9, digits: int = 2) -> str:
    """``seconds`` as s, ms or us, right-aligned in ``width`` characters."""
    if seconds >= 1:
        return f"{seconds:{width}.{digits}f} s "
    if seconds >= 1e-3:
        return f"{seconds * 1e3:{width}.2f} ms"
    return f"{seconds * 1e6:{width}.1f} us"
