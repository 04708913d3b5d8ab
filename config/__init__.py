"""The leaf every package may import: the one ``Settings`` (the only reader of the environment), the
supported languages and the one language-code normaliser. Imports nothing of the project."""

from config.settings import PROJECT_ROOT, Settings

__all__ = ["PROJECT_ROOT", "Settings"]
