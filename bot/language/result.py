"""The values that go in and out of detection: the conversation's hints and the result."""

from dataclasses import dataclass
from enum import StrEnum

from bot.language.codes import SUPPORTED, closest_supported


class Method(StrEnum):
    SCRIPT = "script"
    DETECTOR = "detector"
    CONVERSATION = "conversation"
    HINT = "hint"
    DEFAULT = "default"


@dataclass(frozen=True, slots=True)
class LanguageHints:
    conversation: str | None = None
    locale: str | None = None
    default: str = "en"


@dataclass(frozen=True, slots=True)
class LanguageResult:
    lang: str
    confidence: float
    method: Method
    script: str | None = None

    @property
    def is_supported(self) -> bool:
        return self.lang in SUPPORTED

    @property
    def answer_lang(self) -> str:
        return self.lang if self.is_supported else closest_supported(self.lang)
