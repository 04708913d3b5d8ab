"""Process metrics in the Prometheus text exposition format (version 0.0.4), without a client library.

Counters live in memory and restart at zero with the process, which Prometheus' ``rate()`` expects.
Gauges that describe the queue are read from the database at scrape time by the caller.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Iterable, Mapping

LATENCY_BUCKETS_S = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


def _labels(labels: Mapping[str, str]) -> str:
    if not labels:
        return ""
    inner = ",".join(f'{k}="{_escape(v)}"' for k, v in sorted(labels.items()))
    return "{" + inner + "}"


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _number(value: float) -> str:
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return repr(float(value)) if not float(value).is_integer() else str(int(value))


class Telemetry:
    """The server's counters and its turn-latency histogram; thread-safe."""

    def __init__(self, buckets: Iterable[float] = LATENCY_BUCKETS_S) -> None:
        self._lock = threading.Lock()
        self._counters: dict[tuple[str, tuple[tuple[str, str], ...]], float] = {}
        self._buckets = tuple(sorted(buckets))
        self._bucket_counts = [0] * len(self._buckets)
        self._latency_sum = 0.0
        self._latency_count = 0

    def count(self, name: str, amount: float = 1.0, **labels: str) -> None:
        """Add ``amount`` to counter ``name`` with ``labels``."""
        key = (name, tuple(sorted(labels.items())))
        with self._lock:
            self._counters[key] = self._counters.get(key, 0.0) + amount

    def observe_turn(self, seconds: float) -> None:
        """Record the time one user message took from request to stored reply."""
        with self._lock:
            self._latency_sum += seconds
            self._latency_count += 1
            for i, bound in enumerate(self._buckets):
                if seconds <= bound:
                    self._bucket_counts[i] += 1

    def render(self, gauges: Mapping[str, tuple[str, list[tuple[dict[str, str], float]]]]) -> str:
        """The exposition text: every counter, the histogram, then ``gauges`` (name -> help, samples)."""
        lines: list[str] = []
        with self._lock:
            names = sorted({name for name, _ in self._counters})
            for name in names:
                lines += [f"# HELP {name} {COUNTER_HELP.get(name, name)}", f"# TYPE {name} counter"]
                for (n, labels), value in sorted(self._counters.items()):
                    if n == name:
                        lines.append(f"{name}{_labels(dict(labels))} {_number(value)}")
            hist = "supportbot_turn_seconds"
            lines += [f"# HELP {hist} Time to answer one user message.", f"# TYPE {hist} histogram"]
            for bound, count in zip(self._buckets, self._bucket_counts, strict=True):
                lines.append(f'{hist}_bucket{{le="{_number(bound)}"}} {count}')
            lines.append(f'{hist}_bucket{{le="+Inf"}} {self._latency_count}')
            lines.append(f"{hist}_sum {_number(self._latency_sum)}")
            lines.append(f"{hist}_count {self._latency_count}")
        for name, (help_text, samples) in sorted(gauges.items()):
            lines += [f"# HELP {name} {help_text}", f"# TYPE {name} gauge"]
            lines += [f"{name}{_labels(labels)} {_number(value)}" for labels, value in samples]
        return "\n".join(lines) + "\n"


COUNTER_HELP = {
    "supportbot_messages_total": "Messages stored, by sender.",
    "supportbot_bot_replies_total": "Bot replies, by action.",
    "supportbot_handoffs_total": "Conversations handed to people, by reason.",
    "supportbot_conversations_total": "Conversations started.",
    "supportbot_rate_limited_total": "Requests refused by a rate limit, by scope.",
}
