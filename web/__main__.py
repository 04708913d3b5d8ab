"""``python -m web serve [--host H] [--port P] [--workers N]`` and ``python -m web demo-agent [--json]``."""

from __future__ import annotations

import argparse
import json
import sys

from config.settings import Settings

DEMO_AGENT_NAME = "Demo agent"


def _cmd_demo_agent(args: argparse.Namespace) -> int:
    """A fresh agent for trying the console at once; earlier demo agents are disabled, so only the
    newest printed key works and their conversations go back to the queue."""
    from datetime import UTC, datetime

    from config.languages import SUPPORTED_LANGUAGES
    from handoff import add_agent, disable_agent, list_agents, open_db

    settings = Settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    now = datetime.now(UTC)
    db = open_db(settings.database)
    try:
        for old in list_agents(db):
            if old.name == DEMO_AGENT_NAME and not old.disabled:
                disable_agent(db, old.id, now=now)
        agent, key = add_agent(db, name=DEMO_AGENT_NAME, languages=SUPPORTED_LANGUAGES, capacity=5, now=now)
    finally:
        db.close()
    if args.json:
        print(json.dumps({"agent_id": agent.id, "name": agent.name, "languages": list(agent.languages),
                          "api_key": key}))
    else:
        print(f"agent_id: {agent.id}")
        print(f"api_key: {key}")
        print("Sign in to the console (/console) with this key; it is shown once.", file=sys.stderr)
    return 0


def _cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    uvicorn.run(
        "web.app:create_app", factory=True, host=args.host, port=args.port, workers=args.workers or None,
        log_level="info",
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m web")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("serve", help="serve the widget API, agent console, demo and help pages")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--workers", type=int, default=0, help="server processes (0: one, in this process)")
    p.set_defaults(func=_cmd_serve)
    p = sub.add_parser("demo-agent", help="create a demo agent speaking every language and print its key")
    p.add_argument("--json", action="store_true", help='print {"agent_id", "name", "languages", "api_key"}')
    p.set_defaults(func=_cmd_demo_agent)
    args = parser.parse_args(argv)
    from handoff import HandoffError

    try:
        return int(args.func(args))
    except HandoffError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
