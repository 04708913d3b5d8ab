"""Knowledge-base articles to ranked hits. Knows nothing of chat, agents or HTTP."""

from retrieval.articles import Article, Section, kb_fingerprint, load_articles
from retrieval.embedder import Embedder, HashEmbedder, SentenceTransformerEmbedder
from retrieval.errors import ArticleFormatError, IndexMismatch, KnowledgeBaseError, RetrievalError
from retrieval.retriever import Retriever, build_index, load_retriever
from retrieval.scoring import Hit

__all__ = [
    "Article",
    "ArticleFormatError",
    "Embedder",
    "HashEmbedder",
    "Hit",
    "IndexMismatch",
    "KnowledgeBaseError",
    "RetrievalError",
    "Retriever",
    "Section",
    "SentenceTransformerEmbedder",
    "build_index",
    "kb_fingerprint",
    "load_articles",
    "load_retriever",
]
