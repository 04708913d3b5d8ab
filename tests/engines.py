"""Which handoff engine the running test uses: set by the ``engine`` fixture (tests/conftest.py).

``ENGINE.url`` is the PostgreSQL URL of the test's own database while a test runs on PostgreSQL, and
empty on SQLite; ``tests/web_support.py`` passes it to ``Settings.database_url``.
"""

from __future__ import annotations


class _Engine:
    url: str = ""


ENGINE = _Engine()
