"""The one text classifier of the project: TF-IDF over character and word n-grams, logistic regression.

Used for the service category (bot.nlu.category) and for intents (bot.nlu.components.IntentClassifier).
Why not DIET for intents: docs/ARCHITECTURE.md, "NLU".
"""
from typing import Tuple


def classifier(chars: Tuple[int, int], words: Tuple[int, int], balanced: bool = False, word_pattern: str = r"(?u)\b\w\w+\b"):
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline, make_union

    # Character n-grams read Chinese without a segmenter and survive typos; words help English.
    features = make_union(
        TfidfVectorizer(analyzer="char_wb", ngram_range=chars, sublinear_tf=True, lowercase=True),
        TfidfVectorizer(analyzer="word", ngram_range=words, token_pattern=word_pattern, sublinear_tf=True, lowercase=True),
    )
    return make_pipeline(features, LogisticRegression(C=20, max_iter=3000, class_weight="balanced" if balanced else None))


class Predictor:
    """A fitted classifier() as a plain function of one text: the same probabilities as its predict_proba,
    without sklearn's per-call checks and sparse-matrix building (6 ms a message in the Rasa server; this
    takes a tenth of that). Checked against predict_proba in tests/nlu/test_tfidf.py."""

    def __init__(self, pipeline):
        import numpy as np

        union, model = pipeline.steps[0][1], pipeline.steps[-1][1]
        if union.transformer_weights or model.multi_class not in ("auto", "multinomial") or len(model.classes_) < 3:
            raise ValueError("only a classifier() of three classes or more is compiled")
        self._np = np
        self._parts, offset = [], 0
        for _name, vectorizer in union.transformer_list:
            if vectorizer.binary or vectorizer.norm != "l2" or not vectorizer.use_idf:
                raise ValueError("only classifier()'s vectorizers are compiled")
            self._parts.append((vectorizer.build_analyzer(), vectorizer.vocabulary_, vectorizer.idf_, offset, vectorizer.sublinear_tf))
            offset += len(vectorizer.vocabulary_)
        self._weights = np.ascontiguousarray(model.coef_.T)
        self._intercept = model.intercept_
        self.classes_ = model.classes_

    def __getstate__(self):  # pickled with the category classifier (bot.nlu.category.MODEL): numpy is no state
        return {name: value for name, value in self.__dict__.items() if name != "_np"}

    def __setstate__(self, state):
        import numpy as np

        self.__dict__.update(state, _np=np)

    def predict_proba(self, texts):
        return self._np.vstack([self._one(text) for text in texts])

    def _one(self, text):
        np = self._np
        scores = self._intercept.copy()
        for analyze, vocabulary, idf, offset, sublinear in self._parts:
            counts = {}
            for feature in analyze(text):
                index = vocabulary.get(feature)
                if index is not None:
                    counts[index] = counts.get(index, 0) + 1
            if not counts:
                continue
            indices = np.fromiter(counts.keys(), dtype=np.intp, count=len(counts))
            values = np.fromiter(counts.values(), dtype=np.float64, count=len(counts))
            if sublinear:
                values = np.log(values) + 1
            values *= idf[indices]
            values /= np.sqrt(np.dot(values, values))
            scores += values @ self._weights[indices + offset]
        scores -= scores.max()
        exp = np.exp(scores)
        return exp / exp.sum()


def fast(pipeline):
    """A Predictor of the pipeline when it is a classifier() as above, else the pipeline itself: either has
    predict_proba and classes_."""
    try:
        return Predictor(pipeline)
    except (ValueError, AttributeError, IndexError, TypeError):
        return pipeline
