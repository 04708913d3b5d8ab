"""Issue 14 #7: a start, and a restart after SIGKILL, only load what ``make setup`` built.

The server runs for real (uvicorn in a subprocess, loopback) on a copy of the built index; nothing in
that folder may be rewritten or added by starting, which is what made crash restarts take a minute.
How long a start takes is measured by ``python -m eval bench`` (section 5), not asserted here.
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

from bot.intents import BANK_FILE
from config import Settings
from eval.load_bench import run_restart


def _digests(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_start_and_restart_after_sigkill_only_read_the_built_index(tmp_path: Path) -> None:
    settings = Settings()
    data = tmp_path / "built"
    shutil.copytree(settings.index_dir, data / "index")
    assert (data / "index" / BANK_FILE).is_file(), (
        "make setup (python -m bot prepare) saves the exemplar vectors"
    )
    before = _digests(data / "index")
    row = run_restart(
        data,
        tmp_path / "work",
        {"embedding_model": settings.embedding_model, "embedding_backend": settings.embedding_backend},
        cycles=2,
    )
    assert row["first_start_s"] > 0 and len(row["restarts_s"]) == 1
    served = tmp_path / "work" / f"restart-{settings.embedding_backend}" / "data" / "index"
    assert _digests(served) == before
    log = (tmp_path / "work" / f"restart-{settings.embedding_backend}" / "server-1w.log").read_text(
        encoding="utf-8"
    )
    assert log.count("Application startup complete") == 2
