"""The browser side's files: the demo help-center page, the widget script and the agent console."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse
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
def widget_script(request: Request) -> FileResponse:
    """The embeddable widget."""
    return _file(request, "widget.js", "application/javascript; charset=utf-8")


@router.get("/console")
def console_page(request: Request) -> FileResponse:
    """The agent console."""
    return _file(request, "console.html", "text/html; charset=utf-8")
