"""The compiled classifier gives the probabilities of the sklearn pipeline it was made from."""
import numpy as np
import pytest

from bot.nlu import tfidf

TRAIN = {
    "report_issue": ["楼下 路灯 坏 了", "垃圾 没 人 清", "the streetlight is broken", "rubbish not collected", "井盖 没 了"],
    "inform": ["电话 00000", "我 的 手机 00000", "my number is 00000", "海淀区 学院路 30号", "张先生"],
    "greet": ["你好", "您好 在 吗", "hello", "hi there", "早上好"],
    "affirm": ["对", "确认", "yes", "correct", "没错 提交 吧"],
}
UNSEEN = ["路灯 不 亮", "hello there 你好", "确认 提交", "zzz", "", "朝阳区 望京 西园 三区 5号楼 门口 路灯 坏 了 三天 了"]


@pytest.mark.parametrize("chars, words, pattern", [((1, 4), (1, 1), r"\S+"), ((1, 3), (1, 2), r"(?u)\b\w\w+\b")])
def test_the_predictor_gives_the_pipelines_probabilities(chars, words, pattern):
    texts = [t for examples in TRAIN.values() for t in examples]
    labels = [intent for intent, examples in TRAIN.items() for _ in examples]
    pipeline = tfidf.classifier(chars=chars, words=words, balanced=True, word_pattern=pattern).fit(texts, labels)
    predictor = tfidf.Predictor(pipeline)
    assert list(predictor.classes_) == list(pipeline.classes_)
    np.testing.assert_allclose(predictor.predict_proba(texts + UNSEEN), pipeline.predict_proba(texts + UNSEEN), rtol=0, atol=1e-12)
