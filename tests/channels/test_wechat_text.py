"""Bot messages as WeChat text, numbered options, and WeChat's signature, without any server."""
from wechatpy.utils import WeChatSigner, check_signature

from connectors.wechat.channel import signature_ok
from connectors.wechat.text import MAX_BYTES, OptionMemory, choice_number, fit, render


def test_buttons_become_numbered_lines_in_the_message_language():
    zh = render({"text": "是否提交?", "buttons": [{"title": "提交", "payload": "/affirm"}, {"title": "取消", "payload": "/deny"}]})
    assert zh == ("是否提交?\n回复 1:提交\n回复 2:取消", ["/affirm", "/deny"])
    en = render({"text": "Submit?", "buttons": [{"title": "Yes", "payload": "/affirm"}]})
    assert en == ("Submit?\nReply 1: Yes", ["/affirm"])


def test_a_message_without_text_or_buttons_renders_empty():
    assert render({"custom": {"widget": "only"}}) == ("", [])


def test_fit_joins_what_fits_and_returns_the_rest():
    long, third = "长" * 670, "第三条" * 10  # 2010 and 90 bytes
    joined, rest = fit(["第一条", long, third])
    assert joined == "第一条\n\n" + long
    assert rest == [third]
    assert len(joined.encode()) <= MAX_BYTES


def test_choice_numbers():
    assert [choice_number(t) for t in ("1", " 2 ", "１", "12", "123", "一", "1个", "")] == [1, 2, 1, 12, None, None, None, None]


def test_options_answer_the_next_message_only():
    memory = OptionMemory()
    memory.remember("u1", ["/affirm", "/deny"])
    assert memory.resolve("u2", "1") == "1"  # another user's options are not yours
    assert memory.resolve("u1", "3") == "3"  # out of range: the text itself; the options are gone
    assert memory.resolve("u1", "1") == "1"
    memory.remember("u1", ["/affirm", "/deny"])
    assert memory.resolve("u1", "2") == "/deny"


def test_options_expire():
    memory = OptionMemory(ttl=-1)
    memory.remember("u1", ["/affirm"])
    assert memory.resolve("u1", "1") == "1"


def test_option_memory_is_bounded():
    memory = OptionMemory(max_users=2)
    for user in ("a", "b", "c"):
        memory.remember(user, ["/affirm"])
    assert memory.resolve("a", "1") == "1"
    assert memory.resolve("c", "1") == "/affirm"


def test_signature_agrees_with_wechatpy():
    signer = WeChatSigner()
    signer.add_data("token", "1764300000", "nonce")
    check_signature("token", signer.signature, "1764300000", "nonce")  # raises when wrong
    assert signature_ok("token", signer.signature, "1764300000", "nonce")
    assert not signature_ok("token", signer.signature, "1764300001", "nonce")
    assert not signature_ok("token", "", "1764300000", "nonce")
    assert not signature_ok("token", signer.signature, "", "")
