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
