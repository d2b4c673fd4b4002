"""The category classifier on each real set it learns from (bench/residents.py), with that set left out of its
training: what residents' words from the other sets teach it about a set it has not read.

Per set and language, the labelled whole messages (as `bench real` counts them) that the category gets right
with no real set in training, and with every set but this one; then the totals per language. Texts are read as
the summary reads them, to 1,000 characters. About 15 minutes: a classifier is trained for each set.
"""
from collections import Counter

from bench.common import real_sets
from bot.nlu import category, entities


def run() -> dict:
    texts, codes = category.load()
    made = category.vectors(texts)
    residents = category.residents_by_set()
    # load() puts the residents' texts last, set after set in the file's order.
    written = len(texts) - sum(len(entries) for entries in residents.values())
    rows, start = {}, written
    for key, entries in residents.items():
        rows[key] = list(range(start, start + len(entries)))
        start += len(entries)

    def learnt_from(keys):
        kept = list(range(written)) + [i for key in keys for i in rows[key]]
        return category.Classifier([texts[i] for i in kept], [codes[i] for i in kept],
                                   tuple(vectors[kept] for vectors in made))

    alone = learnt_from([])
    sets, results, totals = real_sets(), {}, Counter()
    for key in residents:
        others = learnt_from([other for other in residents if other != key])
        for lang, block in sets[key].items():
            labelled = [m for m in block.get("messages") or [] if m.get("category")]
            right = {name: sum(_read(model, m["text"]) == m["category"] for m in labelled)
                     for name, model in (("without_real_sets", alone), ("with_the_other_sets", others))}
            results.setdefault(key, {})[lang] = dict(messages=len(labelled), **right)
            totals.update({f"{lang}_{name}": n for name, n in dict(messages=len(labelled), **right).items()})
    for lang in ("zh", "en"):
        n = max(1, totals[f"{lang}_messages"])
        results[lang] = {"messages": totals[f"{lang}_messages"],
                         "accuracy_without_real_sets": round(totals[f"{lang}_without_real_sets"] / n, 3),
                         "accuracy_with_the_other_sets": round(totals[f"{lang}_with_the_other_sets"] / n, 3)}
    return results


def _read(model, text: str) -> str:
    return category.rank(model, entities.simplified(text[: category.MAX_READ]))[0][0]
