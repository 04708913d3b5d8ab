"""Defence in depth for logs: credential-looking query parameters are masked before a line is written.

No route takes a token or key in the URL (streams use single-use tickets), but a client may still
put one there by mistake, and uvicorn's access log prints the full path. ``CredentialFilter`` rewrites
such values to ``***`` in every record of the loggers it is installed on.
"""

from __future__ import annotations

import logging
import re

# Parameter names that carry credentials, as the name or its suffix (api_key, access_token, ...).
CREDENTIAL_PARAM = re.compile(
    r"(?i)((?:^|[?&;\s\"'])[\w.-]*(?:token|key|ticket|secret|password|passwd|pwd|auth|signature|sig|jwt|session)"
    r"=)[^&;\s\"']*"
)
MASK = "***"
LOGGERS = ("uvicorn.access", "uvicorn.error", "uvicorn")


def mask_credentials(text: str) -> str:
    """``text`` with the value of every credential-looking ``name=value`` parameter replaced by ``***``."""
    return CREDENTIAL_PARAM.sub(lambda m: m.group(1) + MASK, text)


class CredentialFilter(logging.Filter):
    """Masks credentials in a record's message and string arguments; never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = mask_credentials(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(mask_credentials(a) if isinstance(a, str) else a for a in record.args)
        elif isinstance(record.args, dict):
            record.args = {k: mask_credentials(v) if isinstance(v, str) else v for k, v in record.args.items()}
        return True


def install_credential_filter(names: tuple[str, ...] = LOGGERS) -> None:
    """Add one ``CredentialFilter`` to each named logger (repeated calls add nothing)."""
    for name in names:
        logger = logging.getLogger(name)
        if not any(isinstance(f, CredentialFilter) for f in logger.filters):
            logger.addFilter(CredentialFilter())
