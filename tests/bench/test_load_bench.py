"""The load bench's reading of Locust's CSV files and of the bot's replies (no Locust, no stack)."""
from bench.bench_load import goals, parse_failures, parse_stats
from bench.load import script

HEADER = (
    "Type,Name,Request Count,Failure Count,Median Response Time,Average Response Time,Min Response Time,"
    "Max Response Time,Average Content Size,Requests/s,Failures/s,50%,66%,75%,80%,90%,95%,98%,99%,99.9%,99.99%,100%\n"
)
# As Locust 2.46 writes them (bench/load/requirements.txt), numbers shortened.
STATS = HEADER + (
    "CONV,conversation,40,2,5200,5400.5,3100.2,9800.1,0.0,0.85,0.04,5200,5600,6000,6100,7000,8100,9800,9800,9800,9800,9800\n"
    "POST,message,300,2,640,700.25,80.5,4100.9,410.0,6.4,0.04,640,700,800,900,1200,1900,2600,3300,4100,4100,4100\n"
    ",Aggregated,340,4,700,1200.0,80.5,9800.1,0.0,7.25,0.09,700,800,900,1000,1500,5000,8100,9800,9800,9800,9800\n"
)
FAILURES = (
    "Method,Name,Error,Occurrences,First Seen,Last Seen\n"
    "POST,message,\"CatchResponseError('expected filed, got queued')\",1,2026-12-02T09:23:39Z,2026-12-02T09:23:40Z\n"
    "POST,message,\"ConnectionRefusedError(111, 'Connection refused')\",1,2026-12-02T09:23:39Z,2026-12-02T09:23:40Z\n"
    "CONV,conversation,RuntimeError('HTTP 0'),1,2026-12-02T09:23:39Z,2026-12-02T09:23:40Z\n"
)


def test_the_message_row_gives_throughput_percentiles_and_errors_and_the_conversation_row_the_conversations():
    point = parse_stats(STATS)
    assert point["messages"] == 300 and point["msg_per_s"] == 6.4 and point["errors"] == 2
    assert (point["p50_ms"], point["p95_ms"], point["p99_ms"], point["max_ms"]) == (640, 1900, 3300, 4101)
    assert point["conversations_finished"] == 38 and point["conversations_failed"] == 2
    assert point["conversation_p50_s"] == 5.2


def test_failures_are_counted_by_kind_for_messages_only():
    assert parse_failures(FAILURES) == {
        "expected filed, got queued": 1,
        "ConnectionRefusedError(111, 'Connection refused')": 1,
    }


def test_a_run_before_any_conversation_ended_has_no_conversation_latency():
    point = parse_stats(HEADER + "POST,message,3,0,900,900,800,1000,10,0.1,0,900,900,900,900,900,900,900,900,900,900,900\n")
    assert point["conversations_finished"] == 0 and "conversation_p50_s" not in point


def test_goals_compare_one_replica_with_the_stock_bot_and_two_replicas_with_one():
    point = lambda rate, errors=0: {"msg_per_s": rate, "errors": errors}
    result = {
        "stock_rasa_init": {"users_8": point(10.0)},
        "replicas_1": {"zh": {"users_8": point(25.0), "users_32": point(30.0)}, "one_at_a_time": {"zh": {"p50_ms": 50}}},
        "replicas_2": {"zh": {"users_8": point(40.0, errors=3)}},
    }
    found = goals(result)
    assert found["one_replica_vs_stock_at_8_zh"]["ratio"] == 2.5
    assert found["two_replicas_vs_one"]["ratios"] == {"zh.users_8": 1.6}
    assert found["errors_of_our_stack"]["count"] == 3


def test_every_conversation_turn_expects_a_reply_kind_the_script_knows():
    for mix in ("zh", "mixed", "stock"):
        for turns in script.load(mix):
            assert all(expected in script.REPLIES for _, expected in turns)
    assert {text for turns in script.load("mixed") for text, _ in turns} >= {"hello", "你好"}


def test_a_reply_is_right_only_when_it_is_the_expected_one():
    filed = [{"text": "已为您提交,工单号 BJ20261202-0001,已转城市管理委员会办理。"}]
    assert script.check("filed", filed) == (True, "filed", "BJ20261202-0001")
    status = [{"text": "工单 BJ20261202-0001(路灯照明):已受理。"}]
    assert script.check("status", status, "BJ20261202-0001")[0]
    assert script.check("status", status, "BJ20261202-0002")[:2] == (False, "other")
    queued = [{"text": "已收到您的诉求。派单系统暂时繁忙,工单已排队,会自动送达;您的受理编号是 BJ20261202-Q0001。"}]
    assert script.check("filed", queued)[:2] == (False, "queued")
    assert script.check("ask_phone", [])[:2] == (False, "empty")
    assert script.check("stock_greet", [{"text": "Hey! How are you?"}])[0]
