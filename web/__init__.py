"""The HTTP edge: the FastAPI app, its routers, the widget and console files, and the chat service that
composes the pure ``bot`` core with ``handoff``'s operations. The only package that imports FastAPI.

Start with ``web.app.create_app``; serve with ``python -m web serve``.
"""
