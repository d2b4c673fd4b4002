import re

import yaml

from bot.nlu import category

CONTRACT_CODES = {"noise", "streetlight", "road", "sanitation", "water", "heating", "power_gas", "traffic",
                  "property", "market", "greenery", "construction", "labor", "other"}


def test_the_category_is_a_contract_service_code_with_a_probability():
    for text in ("楼道里的灯坏了", "the bins were not collected", "", "   "):
        code, confidence = category.predict(text)
        assert code in CONTRACT_CODES and 0 < confidence <= 1


def test_the_sentence_embedding_sorts_english_reports_it_was_taught_only_in_chinese():
    texts, codes = category.load()
    chinese = [(t, c) for t, c in zip(texts, codes) if re.search(r"[\u4e00-\u9fff]", t)]
    model = category.train([t for t, _ in chinese], [c for _, c in chinese])
    reports = {
        "the street lamps on our lane are all dark": "streetlight",
        "my boss has not paid my wages for three months": "labor",
        "no hot water and the radiators are cold": "heating",
        "the lift in our building has been broken for a week": "property",
        "loud music from the bar until 3am": "noise",
        "someone is building an illegal extension on the roof": "construction",
    }
    assert list(model.meaning.predict(category.embed(list(reports)))) == list(reports.values())


def test_a_letter_is_embedded_from_its_beginning_only():
    letter = "小区路灯坏了一个月了。" + "请尽快处理。" * 2000
    assert (category.embed([letter]) == category.embed([letter[: category.MAX_READ]])).all()


def test_the_ranking_puts_the_prediction_first_and_the_choices_after_it_without_other():
    text = "邻居家的空调外机对着我家窗户吹"
    ranking = category.ranking(text)
    assert {code for code, _ in ranking} == CONTRACT_CODES
    assert [p for _, p in ranking] == sorted((p for _, p in ranking), reverse=True)
    assert category.predict(text) == ranking[0]
    choices = category.alternatives(text)
    assert len(choices) == category.CHOICES and ranking[0][0] not in choices and "other" not in choices
    assert choices == [code for code, _ in ranking[1:] if code != "other"][: category.CHOICES]


def test_every_catalog_entry_names_a_contract_code_and_every_catalog_where_it_came_from():
    sources = yaml.safe_load(category.CATALOGS.read_text(encoding="utf-8"))["sources"]
    assert all(source["where"] and source["lang"] in ("zh", "en") for source in sources)
    entries = [entry for source in sources for entry in source["entries"]]
    assert {code for code, _ in entries} <= CONTRACT_CODES
    assert all(isinstance(text, str) and text.strip() for _, text in entries)


def test_where_a_thing_is_does_not_decide_what_is_wrong_with_it():
    # Place nouns of roads and paths pulled the first three to road whatever was wrong there.
    reports = {
        "Hedge blocking the footpath": "greenery",
        "A dead pigeon on the pavement": "sanitation",
        "Nettles overgrowing the footpath by the bridge": "greenery",
        "A deep pothole right at the crossroads by the school": "road",
    }
    assert {text: category.predict(text)[0] for text in reports} == reports
    assert category.predict("The pavement is cracked")[0] == "road"  # a place that is the problem still counts
