"""The browser side's files: the demo help-center page, the widget script and the agent console."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, Response
from starlette.exceptions import HTTPException

STATIC = Path(__file__).parent / "static"

router = APIRouter(include_in_schema=False)


def _file(request: Request, name: str, media_type: str) -> FileResponse:
    path: Path = request.app.state.static_dir / name
    if not path.is_file():
        raise HTTPException(404, f"{name} is not installed")
    return FileResponse(path, media_type=media_type, headers={"Cache-Control": "no-cache"})


@router.get("/")
def demo_page(request: Request) -> FileResponse:
    """The demo help-center page with the widget embedded."""
    return _file(request, "demo.html", "text/html; charset=utf-8")


@router.get("/widget.js")
def widget_script(request: Request) -> Response:
    """The embeddable widget, after the live-events reader and the rich-text copier it shares with the
    console (one tag embeds it)."""
    static: Path = request.app.state.static_dir
    widget = static / "widget.js"
    if not widget.is_file():
        raise HTTPException(404, "widget.js is not installed")
    parts = [p.read_text(encoding="utf-8") for p in (static / "sse.js", static / "richtext.js", widget) if p.is_file()]
    return Response("\n".join(parts), media_type="application/javascript; charset=utf-8",
                    headers={"Cache-Control": "no-cache"})


@router.get("/console")
def console_page(request: Request) -> FileResponse:
    """The agent console."""
    return _file(request, "console.html", "text/html; charset=utf-8")
