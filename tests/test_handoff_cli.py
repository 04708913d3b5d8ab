"""``python -m handoff``: migrate, add-agent (key printed once), disable/list agents, export."""

import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from handoff.__main__ import main
from handoff.agents import authenticate, get_agent
from handoff.conversations import append_message, create_conversation
from handoff.db import open_db
from handoff.models import Sender
from handoff.schema import migrations

T0 = datetime(2025, 1, 1, 12, 0, tzinfo=UTC)
REPO = Path(__file__).resolve().parents[1]


def run_cli(
    *args: str, env: dict[str, str] | None = None, cwd: Path = REPO
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "handoff", *args],
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": str(REPO), **(env or {})},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_cli_add_agent_json_prints_id_and_key_that_authenticates(tmp_path: Path) -> None:
    path = tmp_path / "h.db"
    result = run_cli(
        "add-agent", "--name", "Li", "--languages", "zh,en", "--capacity", "5", "--json", "--db", str(path)
    )

    assert result.returncode == 0, result.stderr
    printed = json.loads(result.stdout)
    assert set(printed) == {"agent_id", "api_key"}
    db = open_db(path)
    try:
        agent = authenticate(db, printed["api_key"])
        assert agent is not None and agent.id == printed["agent_id"]
        assert (agent.languages, agent.capacity) == (("zh", "en"), 5)
    finally:
        db.close()


def test_cli_without_db_uses_supportbot_data_dir(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    result = run_cli(
        "add-agent",
        "--name",
        "Ana",
        "--languages",
        "es",
        "--json",
        env={"SUPPORTBOT_DATA_DIR": str(data_dir)},
    )
    assert result.returncode == 0, result.stderr
    db = open_db(data_dir / "supportbot.db")
    try:
        assert get_agent(db, json.loads(result.stdout)["agent_id"]).name == "Ana"
    finally:
        db.close()


def test_cli_migrate_twice_reports_same_migrations(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = str(tmp_path / "h.db")
    assert main(["migrate", "--db", path]) == 0
    assert main(["migrate", "--db", path]) == 0
    out = capsys.readouterr().out.splitlines()
    names = ", ".join(m.name for m in migrations._migrations)
    assert out == [f"{len(migrations._migrations)} migration(s) applied: {names}"] * 2


def test_cli_add_agent_text_prints_key_once_and_warns(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["add-agent", "--name", "Li", "--languages", "zh", "--db", str(tmp_path / "h.db")]) == 0
    captured = capsys.readouterr()
    lines = captured.out.splitlines()
    assert lines[0] == "agent_id: 1"
    assert lines[1].startswith("api_key: sbk_")
    assert "cannot be shown again" in captured.err


def test_cli_add_agent_with_bad_language_exits_1_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["add-agent", "--name", "Li", "--languages", "chinese", "--db", str(tmp_path / "h.db")]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: ")


def test_cli_disable_and_list_agents(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = str(tmp_path / "h.db")
    main(["add-agent", "--name", "Li", "--languages", "zh,en", "--db", path])
    main(["add-agent", "--name", "Sam", "--languages", "en", "--capacity", "2", "--db", path])
    capsys.readouterr()

    assert main(["disable-agent", "1", "--db", path]) == 0
    assert main(["list-agents", "--json", "--db", path]) == 0

    out = capsys.readouterr().out.splitlines()
    assert out[0] == "agent 1 (Li) disabled"
    listed = json.loads(out[1])
    assert [(a["agent_id"], a["name"], a["languages"], a["capacity"], a["disabled"]) for a in listed] == [
        (1, "Li", ["zh", "en"], 3, True),
        (2, "Sam", ["en"], 2, False),
    ]
    assert all("key" not in field for a in listed for field in a)
    assert main(["list-agents", "--db", path]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "1\tLi\tzh,en\tcapacity 3\tdisabled",
        "2\tSam\ten\tcapacity 2\tenabled",
    ]


def test_cli_disable_agent_when_missing_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["disable-agent", "7", "--db", str(tmp_path / "h.db")]) == 1
    assert capsys.readouterr().err == "error: agent 7 not found\n"


def test_cli_export_transcript_json_and_text(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "h.db"
    db = open_db(path)
    try:
        cid = create_conversation(db, locale="ja-JP", language="ja", now=T0).id
        append_message(db, cid, sender=Sender.USER, text="出金できません", language="ja", now=T0)
    finally:
        db.close()

    assert main(["export-transcript", cid, "--db", str(path)]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["conversation"]["id"] == cid
    assert [m["text"] for m in data["messages"]] == ["出金できません"]

    assert main(["export-transcript", cid, "--format", "text", "--db", str(path)]) == 0
    text = capsys.readouterr().out
    assert f"Conversation {cid}" in text and "出金できません" in text


def test_cli_export_transcript_when_missing_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["export-transcript", "nope", "--db", str(tmp_path / "h.db")]) == 1
    assert capsys.readouterr().err == "error: conversation nope not found\n"


def test_cli_when_db_path_is_a_directory_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["migrate", "--db", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1


def test_cli_without_command_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main([])
    assert caught.value.code == 2
