"""Builds the NLU assets under build/ from packages: gazetteer, jieba user dictionary, spaCy zh pipeline."""
import json
import shutil

from bot.nlu import gazetteer
from bot.settings import ROOT

JIEBA_DIR = ROOT / "build" / "jieba"


def main() -> None:
    data = gazetteer.build()
    gazetteer.BUILT.parent.mkdir(parents=True, exist_ok=True)
    gazetteer.BUILT.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    gazetteer.data.cache_clear()
    # Place names as single words keep jieba from cutting 望京西园 or 石景山 into pieces DIET cannot learn.
    JIEBA_DIR.mkdir(parents=True, exist_ok=True)
    words = {alias for alias, _, _ in gazetteer.aliases() if not alias.isascii()}
    (JIEBA_DIR / "places.txt").write_text("".join(f"{w} 2000 ns\n" for w in sorted(words)), encoding="utf-8")
    if gazetteer.SPACY_DIR.exists():
        shutil.rmtree(gazetteer.SPACY_DIR)
    gazetteer.build_pipeline()
    print(f"built {len(data['districts'])} districts, {len(data['streets'])} streets/townships into {gazetteer.BUILT.parent}")


if __name__ == "__main__":
    main()
