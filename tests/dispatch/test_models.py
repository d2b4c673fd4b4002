"""Tickets as the backend tells them, and tickets as we send them: parsing is strict about shape, lenient about gaps."""
from datetime import timedelta

import pytest

from bot.dispatch import DispatchUnavailable, NewTicket, Ticket
from bot.dispatch.outbox import provisional_reference


def test_ticket_from_get_json_uses_extended_status_and_aware_datetimes():
    ticket = Ticket.from_json(
        [
            {
                "service_request_id": "BJ20261128-0042",
                "status": "open",
                "extended_status": "dispatched",
                "status_zh": "已派单",
                "service_code": "streetlight",
                "service_name": "路灯照明",
                "agency_responsible": "城市管理委员会",
                "description": "路灯坏了",
                "address": "朝阳区望京街道",
                "district": "朝阳区",
                "lat": "39.99",
                "long": 116.47,
                "requested_datetime": "2026-11-28T10:00:00+08:00",
                "updated_datetime": "2026-11-28T02:30:00Z",
                "expected_datetime": "2026-12-01T10:00:00",
                "notes": [{"datetime": "2026-11-28T10:00:00+08:00", "status": "received", "note": "已受理"}],
                "phone": "139****5678",
                "request_type": "complaint",
                "language": "zh",
            }
        ]
    )
    assert ticket.status == "dispatched" and ticket.status_zh == "已派单"
    assert ticket.lat == 39.99 and ticket.long == 116.47
    assert ticket.updated_datetime.utcoffset() == timedelta(0)
    # A timestamp without offset is Beijing time, never a naive datetime.
    assert ticket.expected_datetime.utcoffset() == timedelta(hours=8)
    assert ticket.notes[0].status == "received" and ticket.notes[0].datetime.utcoffset() == timedelta(hours=8)
    assert ticket.contact_name is None


@pytest.mark.parametrize(
    "body",
    [
        None,
        [],
        "BJ20261128-0042",
        [{"status": "open"}],
        [{"service_request_id": "X", "requested_datetime": "yesterday"}],
        [{"service_request_id": "X", "notes": "none"}],
        [{"service_request_id": "X", "lat": {"deg": 1}}],
        [{"service_request_id": "X", "description": ["a"]}],
    ],
)
def test_a_malformed_request_object_is_the_backends_fault_not_a_crash(body):
    with pytest.raises(DispatchUnavailable):
        Ticket.from_json(body)


def test_new_ticket_form_fields_leave_out_what_is_unset():
    fields = NewTicket("noise", "楼上装修太吵", "海淀区中关村大街1号", None, "13800138000", lat=39.98).form_fields()
    assert fields == {
        "service_code": "noise",
        "description": "楼上装修太吵",
        "address_string": "海淀区中关村大街1号",
        "phone": "13800138000",
        "request_type": "complaint",
        "urgency": "normal",
        "lat": "39.98",
        "language": "zh",
    }


def test_provisional_reference_carries_the_beijing_date():
    from datetime import datetime, timezone

    # 17:00 UTC is already the next day in Beijing.
    assert provisional_reference(7, datetime(2026, 11, 28, 17, 0, tzinfo=timezone.utc)) == "BJ20261129-Q0007"
    assert provisional_reference(12345, datetime(2026, 11, 28, 1, 0, tzinfo=timezone.utc)) == "BJ20261128-Q12345"


def test_new_ticket_refuses_unknown_kinds_early():
    with pytest.raises(ValueError):
        NewTicket("noise", "吵", "某地", None, None, request_type="rant")
    with pytest.raises(ValueError):
        NewTicket("noise", "吵", "某地", None, None, language="fr")


def test_filing_key_is_stable_and_fits_the_column():
    from bot.dispatch import filing_key

    key = filing_key("telegram:42", "form-started-1732780800.123")
    assert key == filing_key("telegram:42", "form-started-1732780800.123")
    assert key != filing_key("telegram:42", "form-started-1732780900.456")
    assert len(key) == 64
