"""Strict parsing of query parameters that views read by hand (the rest go through serializers)."""

# Primary keys are PostgreSQL bigints; anything longer than this is not an id of ours.
MAX_ID = 2**63 - 1


def ascii_int(text: str | None, *, minimum: int = 0, maximum: int = MAX_ID) -> int | None:
    """`text` as an int when it is ASCII digits only and within bounds, else None.

    `str.isdigit()` is true for '¹' and '²', which `int()` refuses: such a check let a 500 through.
    """
    if not text or not text.isascii() or not text.isdigit() or len(text) > 19:
        return None
    value = int(text)
    return value if minimum <= value <= maximum else None
