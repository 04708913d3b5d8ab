"""Command line: ``python -m handoff migrate | add-agent | disable-agent | rotate-key | list-agents | export-transcript``.

Without ``--db`` every command uses ``Settings().database``: the file the server uses, read from the one
``config.Settings`` (environment and ``.env``) with the same defaults, whatever the working directory.
"""

import argparse
import json
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from config.settings import Settings
from handoff.agent_keys import find_agent_id, rotate_key
from handoff.agents import add_agent, disable_agent, list_agents
from handoff.db import DRIVER_ERRORS, Database, is_postgres, open_db
from handoff.errors import HandoffError
from handoff.models import Agent
from handoff.schema import applied_names
from handoff.transcripts import get_transcript, transcript_to_json, transcript_to_text

_CLI_ERRORS: tuple[type[Exception], ...] = (HandoffError, OSError, *DRIVER_ERRORS)


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command and return the process exit status (0 ok, 1 domain error, 2 usage error)."""
    args = _parser().parse_args(argv)
    target: Path | str = Settings().database
    if args.db:
        target = args.db if is_postgres(args.db) else Path(args.db)
    if isinstance(target, Path):
        target.parent.mkdir(parents=True, exist_ok=True)
    try:
        db = open_db(target)
        try:
            args.run(db, args)
        finally:
            db.close()
    except _CLI_ERRORS as exc:
        # A domain refusal or an unusable database file: one line for the operator, no traceback.
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


def _migrate(db: Database, args: argparse.Namespace) -> None:
    # open_db() has already applied anything pending; report what the file now holds.
    names = applied_names(db)
    print(f"{len(names)} migration(s) applied: {', '.join(names)}")


def _add_agent(db: Database, args: argparse.Namespace) -> None:
    agent, api_key = add_agent(
        db, name=args.name, languages=args.languages.split(","), capacity=args.capacity, now=_now()
    )
    if args.json:
        print(json.dumps({"agent_id": agent.id, "api_key": api_key}))
    else:
        print(f"agent_id: {agent.id}")
        print(f"api_key: {api_key}")
        print("Store the key now: only its hash is kept and it cannot be shown again.", file=sys.stderr)


def _disable_agent(db: Database, args: argparse.Namespace) -> None:
    agent = disable_agent(db, args.agent_id, now=_now())
    print(f"agent {agent.id} ({agent.name}) disabled")


def _rotate_key(db: Database, args: argparse.Namespace) -> None:
    agent, api_key = rotate_key(db, find_agent_id(db, args.agent))
    if args.json:
        print(json.dumps({"agent_id": agent.id, "api_key": api_key}))
    else:
        print(f"agent_id: {agent.id}")
        print(f"api_key: {api_key}")
        print("The old key no longer works. Store the new one now: it cannot be shown again.", file=sys.stderr)


def _list_agents(db: Database, args: argparse.Namespace) -> None:
    agents = list_agents(db)
    if args.json:
        print(json.dumps([_agent_json(a) for a in agents], ensure_ascii=False))
        return
    for a in agents:
        state = "disabled" if a.disabled else "enabled"
        print(f"{a.id}\t{a.name}\t{','.join(a.languages)}\tcapacity {a.capacity}\t{state}")


def _export_transcript(db: Database, args: argparse.Namespace) -> None:
    transcript = get_transcript(db, args.conversation_id)
    if args.format == "json":
        print(json.dumps(transcript_to_json(transcript), ensure_ascii=False, indent=2))
    else:
        sys.stdout.write(transcript_to_text(transcript))


def _agent_json(agent: Agent) -> dict[str, object]:
    return {
        "agent_id": agent.id,
        "name": agent.name,
        "languages": list(agent.languages),
        "capacity": agent.capacity,
        "disabled": agent.disabled,
        "last_seen_at": agent.last_seen_at.isoformat() if agent.last_seen_at else None,
        "created_at": agent.created_at.isoformat(),
    }


def _now() -> datetime:
    return datetime.now(UTC)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m handoff", description="Human-agent queue admin.")
    commands = parser.add_subparsers(dest="command", required=True)
    db_help = (
        "database file or postgresql:// URL (default: the server's, SUPPORTBOT_DATABASE_URL or "
        "<SUPPORTBOT_DATA_DIR>/supportbot.db)"
    )

    def command(name: str, run: object, help_text: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help_text, description=help_text)
        sub.add_argument("--db", help=db_help)
        sub.set_defaults(run=run)
        return sub

    command("migrate", _migrate, "Create or upgrade the database schema (safe to repeat).")
    add = command("add-agent", _add_agent, "Create an agent and print its API key once.")
    add.add_argument("--name", required=True)
    add.add_argument("--languages", required=True, help="comma-separated ISO 639-1 codes, e.g. zh,en")
    add.add_argument("--capacity", type=int, default=3, help="max concurrent conversations (default 3)")
    add.add_argument("--json", action="store_true", help='print {"agent_id": ..., "api_key": ...}')
    disable = command("disable-agent", _disable_agent, "Disable an agent and requeue its conversations.")
    disable.add_argument("agent_id", type=int, metavar="ID")
    rotate = command("rotate-key", _rotate_key, "Give an agent a new API key; the old one stops working at once.")
    rotate.add_argument("agent", metavar="AGENT", help="agent id, or a name only one agent has")
    rotate.add_argument("--json", action="store_true", help='print {"agent_id": ..., "api_key": ...}')
    listing = command("list-agents", _list_agents, "List agents.")
    listing.add_argument("--json", action="store_true")
    export = command("export-transcript", _export_transcript, "Print a conversation transcript.")
    export.add_argument("conversation_id", metavar="ID")
    export.add_argument("--format", choices=["json", "text"], default="json")
    return parser


if __name__ == "__main__":
    sys.exit(main())
