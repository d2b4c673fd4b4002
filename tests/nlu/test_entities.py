import pytest

from bot.nlu import category, entities, gazetteer


def values(text, name):
    return [e["value"] for e in entities.extract(text) if e["entity"] == name]


@pytest.mark.parametrize(
    "text, district",
    [
        ("朝阳区望京西园三区5号楼", "朝阳区"),
        ("就在望京街道", "朝阳区"),
        ("海淀中关村", "海淀区"),
        ("I live in Chaoyang District", "朝阳区"),
        ("near haidian", "海淀区"),
        ("石景山区八角北路", "石景山区"),
    ],
)
def test_districts_are_normalized(text, district):
    assert values(text, "district")[:1] == [district]


def test_english_names_need_word_edges():
    assert values("Chaoyangmen", "district") == []


def test_gazetteer_comes_from_the_data_set():
    data = gazetteer.data()
    assert len(data["districts"]) == 16
    assert len(data["streets"]) > 300
    assert data["districts"]["朝阳区"]["english"] == "Chaoyang"


def test_phone_ticket_language_rating():
    text = "工单bj20261128-0042 电话138 0013 8000 不满意"
    assert values(text, "ticket_id") == ["BJ20261128-0042"]
    assert values(text, "phone") == ["13800138000"]
    assert values(text, "language") == []  # its own component: bot/nlu/language.py
    assert entities.language(text) == "zh"
    assert values(text, "rating") == ["unsatisfied"]
    assert values("status BJ20261128-Q0007", "ticket_id") == ["BJ20261128-Q0007"]
    assert entities.language("status please") == "en"
    assert entities.language("8000") is None  # digits alone keep the conversation's language


@pytest.mark.parametrize(
    "text, code",
    [
        ("暖气管道噪音很大", "heating"),
        ("物业不修电梯", "property"),
        ("noise from the heating pipes", "heating"),
        ("the property company won't fix the elevator", "property"),
        ("小区门口路灯坏了", "streetlight"),
        ("公司拖欠工资", "labor"),
    ],
)
def test_category_hard_cases(text, code):
    assert category.predict(text)[0] == code


@pytest.mark.parametrize(
    "text, entity, expected",
    [
        ("单号BJ20261120－0031,麻烦查下", "ticket_id", ["BJ20261120-0031"]),  # full-width dash
        ("status of ticket BJ 20261118-1024", "ticket_id", ["BJ20261118-1024"]),
        ("单号BJ20261120－0031,麻烦查下", "phone", []),
        ("工号20231234的那个工作人员态度很差", "phone", []),
        ("the staff member with ID 20231234 was rude", "phone", []),
        ("电话 6234 5678", "phone", ["01062345678"]),
        ("不是很满意,拖了一个多星期", "rating", ["unsatisfied"]),
        ("not very satisfied with the result", "rating", ["unsatisfied"]),
        ("满意度一般", "rating", ["basically_satisfied"]),
        ("你们一般几点上班?", "rating", []),
        ("一直没得到满意的答复", "rating", ["unsatisfied"]),
        ("I wasn't satisfied", "rating", ["unsatisfied"]),
        ("处理得不错 满意", "rating", ["satisfied"]),
        ("人行天桥上的灯不亮了", "district", []),  # 天桥 is a township and a plain word
        ("新华书店门口的共享单车堆成山了", "district", []),
        ("天桥那边有人摆摊", "district", ["西城区"]),
        ("通州果园环岛附近晚上噪音特别大", "district", ["通州区"]),  # the named district wins
        ("I live in Wangjing", "district", ["朝阳区"]),
        ("near Sanlitun, a bar is way too loud", "district", ["朝阳区"]),
        ("the boxing gym is loud", "district", []),
    ],
)
def test_hard_cases(text, entity, expected):
    assert values(text, entity) == expected


def test_phone_span_is_the_number_itself():
    [phone] = [e for e in entities.extract("my number is 138 0013 8000") if e["entity"] == "phone"]
    assert "my number is 138 0013 8000"[phone["start"]:phone["end"]] == "138 0013 8000"
    [phone] = [e for e in entities.extract("电话(010)6234-5678") if e["entity"] == "phone"]
    assert "电话(010)6234-5678"[phone["start"]:phone["end"]] == "(010)6234-5678"
