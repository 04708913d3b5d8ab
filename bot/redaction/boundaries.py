"""Regular-expression pieces shared by the detectors: what counts as a whole word or a whole token."""

LETTER = "A-Za-z\u00c0-\u024f\u0400-\u04ff"
NOT_ALNUM_BEFORE = r"(?<![0-9A-Za-z])"
NOT_ALNUM_AFTER = r"(?![0-9A-Za-z])"


def words(*patterns: str) -> str:
    """Alternatives that must not be glued to Latin or Cyrillic letters or digits, so that "tx" or
    "code" inside a pasted key or hash does not count as a word."""
    return rf"(?<![0-9{LETTER}])(?:{'|'.join(patterns)})(?![0-9{LETTER}])"
