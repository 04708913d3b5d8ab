"""Errors raised by the retrieval package, each with an HTTP status and a stable code."""

from __future__ import annotations


class RetrievalError(Exception):
    """Base class: ``status_code`` and ``code`` let the web layer render one error shape."""

    status_code = 500
    code = "retrieval_error"


class ModelBuildError(RetrievalError):
    """The bundled weights could not be read or converted."""

    code = "model_build_failed"


class ArticleFormatError(RetrievalError):
    """A knowledge-base file is malformed; the message names the file."""

    status_code = 422
    code = "article_format"


class KnowledgeBaseError(RetrievalError):
    """The knowledge base as a whole is inconsistent (coverage, duplicates, empty)."""

    status_code = 422
    code = "knowledge_base_invalid"


class IndexMismatch(RetrievalError):
    """A saved index does not belong to the current model or knowledge base."""

    code = "index_mismatch"


class ModelNotExported(RetrievalError):
    """The ONNX export of a model folder is missing, or older than the folder's weights."""

    code = "model_not_exported"
