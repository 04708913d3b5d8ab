"""The one percentile definition every report uses (SLA, benchmarks, telemetry)."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np


def percentile(values: Iterable[float], q: float) -> float | None:
    """Nearest-rank percentile: the smallest value with at least ``q`` % of the values at or below it.

    numpy's ``inverted_cdf`` method is that definition; it never interpolates, so a reported p95 is a
    latency that really happened.

    :param q: in [0, 100].
    :returns: ``None`` for no values.
    """
    data = np.fromiter(values, dtype=float)
    if data.size == 0:
        return None
    return float(np.percentile(data, q, method="inverted_cdf"))
