"""Word forms for lexical matching: folded words, American spellings, Snowball stems.

Both the briefing and the question go through the same steps, so ``neighbours`` meets
``neighbors`` and ``refugees`` meets ``refugee``: fold (case, accents, punctuation), map a
British spelling to the American one (breame's table), then stem with the Snowball English
stemmer (PyStemmer). No hand-written suffix rules.
"""

from __future__ import annotations

import threading
from functools import lru_cache

import Stemmer
from breame.spelling import get_american_spelling

from bot.core.textnorm import fold

_STOPWORDS_TEXT = """
    a about after again against all am an and any are as at be because been before being
    between both but by can could did do does doing down during each few for from further had
    has have having he her here hers him his how i if in into is it its itself just me more
    most my no nor not now of off on once only or other our out over own same she should so
    some such than that the their them then there these they this those through to too under
    until up us very was we were what when where which while who whom why will with would you
    your think tell know say says said article briefing s t ll d re ve m
    """
STOPWORDS = frozenset(_STOPWORDS_TEXT.split())

_local = threading.local()


def _stemmer() -> Stemmer.Stemmer:
    # A PyStemmer object is not safe to share between threads: one per thread.
    stemmer = getattr(_local, "stemmer", None)
    if stemmer is None:
        stemmer = _local.stemmer = Stemmer.Stemmer("english")
    return stemmer


@lru_cache(maxsize=16384)
def stem(word: str) -> str:
    """The form a folded word is matched by (``neighbours`` → ``neighbor``)."""
    return str(_stemmer().stemWord(get_american_spelling(word)))


def is_content(word: str) -> bool:
    """Whether a folded word carries meaning for search (not a stopword; digits always do)."""
    return word not in STOPWORDS and (len(word) > 1 or word.isdigit())


def terms(text: str) -> list[str]:
    """The stems of the content words of ``text``, in order."""
    return [stem(w) for w in fold(text).split() if is_content(w)]
