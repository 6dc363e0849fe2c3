"""French text normalisation, tokenisation, lemmatisation and stop words.

Everything here is pure Python + simplemma (its French dictionary ships inside the wheel,
so nothing is downloaded at run time).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

import simplemma

__all__ = [
    "FRENCH_STOP_WORDS",
    "Lemmatizer",
    "fold_accents",
    "normalise",
    "tokenize",
]

# Compact French stop-word list: function words, auxiliaries and very frequent verbs/adverbs
# that carry no topic. Kept in code (no download) and compared after accent folding.
_STOP = """
a à afin ai aie aient aies ait alors as au aucun aucune aupres auquel aura aurai auraient
aurais aurait auras aurez auriez aurions aurons auront aussi autre autres aux auxquelles
auxquels avaient avais avait avant avec avez aviez avions avoir avons ayant ayez ayons
bah beaucoup bien bon c ça car ce ceci cela celle celles celui cependant certain certaine
certaines certains ces cet cette ceux chacun chacune chaque chez ci comme comment contre d
dans de des deja depuis devoir devrait devraient doit doivent donc dont du duquel durant
e elle elles en encore enfin entre est et etaient etais etait etant etc ete etes etiez
etions etre eu eue eues eux faire fait faut fois font hors i ici il ils j je jusqu jusque l
la laquelle le lequel les lesquelles lesquels leur leurs lors lorsque lui m ma mais me meme
memes mes moi moins mon n na ne ni non nos notre nous o on ont ou où par parce pas peu peut
peuvent plus plupart pour pourquoi pouvoir puis qu quand que quel quelle quelles quels qui
quoi s sa sans se selon ses si sien sienne siennes siens soi soient sois soit sommes son
sont sous suis sur t ta tant te tel telle telles tels tes toi ton tous tout toute toutes
tres trop tu un une uns unes v va vers via voici voila vont vos votre vous y etc afin
surtout ainsi egalement notamment vraiment cest quil quils qu il avoir etre aller falloir
pouvoir vouloir devoir mettre dire donner prendre rendre tenir venir voir savoir trouver
rien toujours jamais deja chose choses gens personne personnes ca x aujourd hui
"""
FRENCH_STOP_WORDS: frozenset[str] = frozenset(_STOP.split())

_APOSTROPHE_RE = re.compile("[’‘`´ʼ]")
_WORD_RE = re.compile(r"[^\W_]+", re.UNICODE)
_PUNCT_RE = re.compile(r"[^\w\s]+", re.UNICODE)
_URL_RE = re.compile(r"https?://\S+|www\.\S+")


def _fold_table() -> dict[int, str]:
    table: dict[int, str] = {}
    for code in range(0xC0, 0x250):
        ch = chr(code)
        base = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
        if base != ch:
            table[code] = base
    table.update({ord("œ"): "oe", ord("æ"): "ae", ord("Œ"): "OE", ord("Æ"): "AE"})
    return table


_FOLD = _fold_table()
_BEYOND_LATIN = re.compile("[^\x00-\u024f]")
_NON_ASCII = re.compile("[^\x00-\x7f]")


def fold_accents(text: str) -> str:
    """Remove diacritics (é → e, œ → oe) so that misspelt accents still match."""
    if text.isascii():
        return text
    # A regex callback only touches the few accented characters; str.translate with a
    # dict would visit every character in Python.
    text = _NON_ASCII.sub(lambda m: _FOLD.get(ord(m.group()), m.group()), text)
    if _BEYOND_LATIN.search(text):  # rare scripts: full decomposition
        text = "".join(
            c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)
        )
    return text


def normalise(text: str) -> str:
    """Canonical form used for "normalised duplicate" detection.

    Lower case, NFKC, accents folded, punctuation removed, whitespace collapsed; the
    ``&&`` separator of Grand Débat exports counts as whitespace.
    """
    text = _APOSTROPHE_RE.sub("'", unicodedata.normalize("NFKC", text)).replace("&&", " ")
    text = fold_accents(text.casefold())
    # str.split collapses whitespace about twice as fast as a second regex substitution.
    return " ".join(_PUNCT_RE.sub(" ", text).replace("_", " ").split())


def tokenize(text: str) -> list[str]:
    """Lower-cased word tokens (letters and digits); elided articles become their own token."""
    text = _APOSTROPHE_RE.sub("'", unicodedata.normalize("NFKC", text)).casefold()
    text = _URL_RE.sub(" ", text)
    return _WORD_RE.findall(text)


class Lemmatizer:
    """Token → lemma key, with stop words removed and a memo table (Zipf makes it tiny).

    The key is the accent-folded lemma, so "hopitaux", "hôpitaux" and "hôpital" share one
    feature; ``display`` maps the key back to the most frequent accented surface lemma.
    """

    def __init__(self, *, stop_words: Iterable[str] = FRENCH_STOP_WORDS, min_length: int = 2):
        self._stop = frozenset(stop_words)
        self._min_length = min_length
        self._memo: dict[str, str | None] = {}
        self._display_counts: dict[str, dict[str, int]] = {}

    def key(self, token: str) -> str | None:
        """Lemma key of one lower-cased token, or None for a stop word / number / short token."""
        try:
            return self._memo[token]
        except KeyError:
            pass
        result: str | None
        if len(token) < self._min_length or token.isdigit():
            result = None
        else:
            lemma = simplemma.lemmatize(token, lang="fr").casefold()
            folded = fold_accents(lemma)
            if folded in self._stop or fold_accents(token) in self._stop:
                result = None
            else:
                result = folded
                counts = self._display_counts.setdefault(folded, {})
                counts[lemma] = counts.get(lemma, 0) + 1
        self._memo[token] = result
        return result

    def keys(self, text: str) -> list[str]:
        """Lemma keys of a text, in order, stop words removed."""
        memo = self._memo
        key = self.key
        # Comprehensions rather than a loop with appends: this runs once per document.
        found = [memo[token] if token in memo else key(token) for token in tokenize(text)]
        return [k for k in found if k is not None]

    def display(self, key: str) -> str:
        """Readable (accented) form of a lemma key."""
        counts = self._display_counts.get(key)
        if not counts:
            return key
        return max(counts.items(), key=lambda kv: (kv[1], kv[0]))[0]
