"""Human-agent handoff: a durable, prioritised, language-routed agent queue in SQLite.

Knows nothing of retrieval or the bot; the bot calls the named modules (``handoff.tickets``,
``handoff.conversations``, ...). Start with ``handoff.db.open_db``.
"""
