"""How far two readers agree on the category of the real English texts, and the model against each.

The first reader is each set's label (bench/data/real_blind*.yml). The second (category_second_reader.json) was
given only the 633 texts, shuffled, and each code's scope in a line ("road: potholes, road or sidewalk surface,
curbs, manholes...; other: a city matter that fits none of the above, e.g. playground equipment"), and asked
which department should handle it. Their agreement is about the best a category can be measured at on such
text. The model is `category.predict` on the first 1,000 characters, as the summary shows it. The model's figures
on a set it learnt from (bench/residents.py; `category_held_out` false) say how well it fits, not how well it reads.
"""
import json

from bench.common import DATA, real_sets
from bench.residents import trained_on
from bot.nlu import category


def run() -> dict:
    second = json.loads((DATA / "category_second_reader.json").read_text(encoding="utf-8"))["labels"]
    results, everything, trained = {}, [], trained_on()
    for key, by_language in real_sets().items():
        if "en" not in by_language:
            continue
        named = "en" if key == "real" else key  # the second reader's file names the first set by its language
        rows = []
        for kind, items in by_language["en"].items():
            for i, item in enumerate(items or []):
                other = second.get(f"{named}/{kind}/{i}")
                if isinstance(item, dict) and item.get("category") and other:
                    said = category.predict(item["text"][: category.MAX_READ])[0]
                    rows.append((item["category"], other, said))
        results[named] = dict(_score(rows), category_held_out=key not in trained)
        everything += rows
    results["all"] = _score(everything)
    return results


def _score(rows) -> dict:
    n = max(1, len(rows))
    return {
        "texts": len(rows),
        "readers_agree": round(sum(a == b for a, b, _ in rows) / n, 3),
        "model_vs_first_reader": round(sum(a == m for a, _, m in rows) / n, 3),
        "model_vs_second_reader": round(sum(b == m for _, b, m in rows) / n, 3),
        # Where the readers agree, the label is least arguable: the model's accuracy there.
        "model_where_readers_agree": round(sum(a == m for a, b, m in rows if a == b) / max(1, sum(a == b for a, b, _ in rows)), 3),
    }
