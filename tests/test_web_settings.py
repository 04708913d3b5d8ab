"""One source for every setting: the CLIs and the server read the same ``Settings`` wherever they run."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from fastapi.testclient import TestClient

from bot.turn import Bot
from config.settings import PROJECT_ROOT, Settings
from tests.web_support import FAST_STREAMS, KB, Clock, clock, real_bot
from web.app import create_app

__all__ = ["clock", "real_bot"]


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SUPPORTBOT_")}
    return subprocess.run(
        [sys.executable, "-m", *args], cwd=cwd, env={**env, "PYTHONPATH": str(PROJECT_ROOT)},
        capture_output=True, text=True, timeout=120, check=False,
    )


def test_handoff_cli_from_another_directory_with_dotenv_writes_where_the_server_reads(
    tmp_path: Path, real_bot: Bot, clock: Clock
) -> None:
    elsewhere = tmp_path / "ops-shell"
    elsewhere.mkdir()
    data = tmp_path / "deployment-data"
    (elsewhere / ".env").write_text(f"SUPPORTBOT_DATA_DIR={data}\n", encoding="utf-8")

    made = _cli("handoff", "add-agent", "--name", "Mei", "--languages", "zh,en", "--json", cwd=elsewhere)
    assert made.returncode == 0, made.stderr
    key = json.loads(made.stdout)["api_key"]
    assert not (elsewhere / "var").exists(), "the CLI opened a database relative to the working directory"

    # The server configured by the same .env sees the agent the CLI created.
    settings = Settings(_env_file=elsewhere / ".env", kb_path=KB)
    assert settings.db_path == data / "supportbot.db"
    app = create_app(settings, bot=real_bot, clock=clock, streams=FAST_STREAMS)
    with TestClient(app) as client:
        me = client.get("/api/v1/agent/me", headers={"Authorization": f"Bearer {key}"})
    assert me.status_code == 200, me.text
    assert me.json()["name"] == "Mei"


def test_relative_paths_in_settings_mean_the_project_folder_from_any_directory(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("SUPPORTBOT_DATA_DIR=var-staging\n", encoding="utf-8")
    s = Settings(_env_file=tmp_path / ".env")
    assert s.data_dir == PROJECT_ROOT / "var-staging"
    assert s.kb_path == PROJECT_ROOT / "kb_articles"
