"""Knowledge search: the index (words, bigrams, word vectors, sentence meaning, fused), the sentence encoder's
content-keyed cache, and the reading of what kind of fact a question asks and a passage states."""
from bot.search.index import Bm25, Hit, Query, Searched, SearchIndex

__all__ = ["Bm25", "Hit", "Query", "Searched", "SearchIndex"]
