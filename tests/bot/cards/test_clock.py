"""Block Kit for the clock: stage reminders, on-call handoffs, failed jobs, the digest, the weekly report, case notes."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from bot.cards import clock as C
from bot.store.store import iso
from tests.bot.cards.conftest import AT, refused
from tests.support.clock import BERLIN, TEAM_TIME

DEADLINE = TEAM_TIME + timedelta(hours=5)


def sla(**kw: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "stage": "due_soon",
        "deadline": iso(DEADLINE),
        "mentions": [],
        "late": False,
        "planned_at": iso(TEAM_TIME),
        "buyer": "Max Müller",
        "order_id": "302-1234567-1234567",
        "repeat": 0,
    }
    base.update(kw)
    return base


def test_mention_tells_user_groups_from_people() -> None:
    assert C.mention("U0ONCALL") == "<@U0ONCALL>"
    assert C.mention("S0LEADS") == "<!subteam^S0LEADS>"


def test_a_reminder_says_the_stage_time_left_and_who_should_act() -> None:
    message = C.reminder(sla(stage="urgent", mentions=["U0ONCALL", "S0LEADS"]), AT)
    assert refused(message["blocks"]) == []
    text = message["blocks"][0]["text"]["text"]
    assert text.startswith(
        ":large_orange_circle: *Urgent*: 5 h 0 min left to answer Max Müller, order `302-1234567-1234567` "
        f"(due <!date^{int(DEADLINE.timestamp())}^"
    )
    assert text.endswith("|Thu 26 Nov 15:00 CET>). <@U0ONCALL> <!subteam^S0LEADS> please take it.")
    [claim] = message["blocks"][-1]["elements"]
    assert (claim["action_id"], claim["value"], claim["style"]) == ("claim", "claim", "primary")
    assert message["text"] == "Urgent: 5 h 0 min left to answer Max Müller"


def test_a_breached_reminder_without_buyer_or_order() -> None:
    message = C.reminder(
        sla(stage="breached", buyer=None, order_id=None, deadline=iso(TEAM_TIME - timedelta(hours=1))), AT
    )
    text = message["blocks"][0]["text"]["text"]
    assert text.startswith(
        ":rotating_light: *Overdue: Amazon counts this answer as late*: overdue by 1 h 0 min to answer a buyer (due"
    )
    assert "order" not in text and "please take it" not in text


def test_buyer_text_in_a_reminder_is_escaped() -> None:
    text = C.reminder(sla(buyer="<!channel> & co", order_id="<x>"), AT)["blocks"][0]["text"]["text"]
    assert "&lt;!channel&gt; &amp; co, order `&lt;x&gt;`" in text and "<!channel>" not in text


def test_a_late_reminder_says_when_it_was_due() -> None:
    planned = TEAM_TIME - timedelta(hours=3)
    message = C.reminder(sla(late=True, planned_at=iso(planned)), AT)
    assert refused(message["blocks"]) == []
    late = message["blocks"][1]["elements"][0]["text"]
    assert late.startswith(f":clock3: Sent late: this reminder was due <!date^{int(planned.timestamp())}^")
    assert late.endswith("while the bot was not running.")
    unplanned = C.reminder(sla(late=True, planned_at=None), AT)["blocks"][1]["elements"][0]["text"]
    assert "was due earlier while" in unplanned
    assert len(C.reminder(sla(), AT)["blocks"]) == 2  # on time: no note


def test_a_direct_reminder_points_to_the_channel_instead_of_a_button() -> None:
    message = C.reminder(sla(stage="critical"), AT, direct=True)
    assert refused(message["blocks"]) == []
    assert [b["type"] for b in message["blocks"]] == ["section", "context"]
    assert message["blocks"][1]["elements"][0]["text"] == "You are on call. The card is in the inbox channel."
    assert message["blocks"][0]["text"]["text"].startswith(":red_circle: *Critical*")


def test_the_handoff_names_the_person_and_the_open_queue() -> None:
    earliest = TEAM_TIME + timedelta(hours=2)
    message = C.handoff(
        {
            "handoff": {
                "user": "U0LEAD",
                "until": iso(TEAM_TIME + timedelta(days=7)),
                "open": 3,
                "earliest": iso(earliest),
                "override": True,
            }
        },
        AT,
    )
    assert refused(message["blocks"]) == []
    text = message["blocks"][0]["text"]["text"]
    assert text.startswith(":pager: <@U0LEAD> is on call now (covering) until <!date^")
    assert text.endswith("Open conversations: *3*, the earliest due " + _date(earliest) + " (2 h 0 min left)")
    assert message["text"] == "On call now: U0LEAD"
    bare = C.handoff({"handoff": {"user": "U0ONCALL"}}, AT)["blocks"][0]["text"]["text"]
    assert bare == ":pager: <@U0ONCALL> is on call now.\nOpen conversations: *0*"


def _date(when: Any) -> str:
    return f"<!date^{int(when.timestamp())}^{{date_short_pretty}} {{time}}|{when.astimezone(BERLIN):%a %d %b %H:%M} CET>"


def test_a_failed_job_is_named_for_people() -> None:
    purge = C.job_failed(
        {"job_failed": {"job": "purge:2026-11-26", "error": "OperationalError: <locked>"}}, AT
    )
    assert refused(purge["blocks"]) == []
    text = purge["blocks"][0]["text"]["text"]
    assert text.startswith(
        ":warning: The retention purge (purge:2026-11-26) failed twice: `OperationalError: &lt;locked&gt;`."
    )
    assert purge["text"] == "The retention purge failed"
    other = C.job_failed({"job_failed": {"job": "nightly", "error": "boom"}}, AT)
    assert other["text"] == "The nightly failed"


def digest_payload(**kw: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "date": "2026-11-25",
        "open": 2,
        "queue": [
            {"id": 1, "buyer": "B<1>", "order_id": "302-1", "deadline": iso(TEAM_TIME + timedelta(hours=1))},
            {"id": 2, "buyer": None, "order_id": None, "deadline": None},
        ],
        "answered_yesterday": 4,
        "breaches_yesterday": 1,
        "median_minutes": 42,
        "p90_minutes": 300,
        "lrr_7": 2 / 3,
        "lrr_30": None,
        "cases": [],
    }
    base.update(kw)
    return {"digest": base}


def test_the_digest_shows_yesterdays_numbers_and_what_is_due_next() -> None:
    message = C.digest(digest_payload(), AT)
    assert refused(message["blocks"]) == []
    assert message["blocks"][0]["text"]["text"] == "Inbox digest for 2026-11-25"
    assert message["blocks"][1]["text"]["text"].split("\n") == [
        "*Open:* 2",
        "*Answered yesterday:* 4   *Breaches yesterday:* 1",
        "*First response (7 days):* median 42 min, 90 % within 300 min",
        "*Late Response Rate (estimate):* 7 days 66.7 %, 30 days —",
    ]
    queue = message["blocks"][2]["text"]["text"].split("\n")
    assert queue[0] == "*Next due:*"
    assert queue[1].startswith("• B&lt;1&gt; `302-1`: due <!date^") and queue[1].endswith("(1 h 0 min left)")
    assert queue[2] == "• buyer: due —"
    assert message["text"] == "Inbox digest for 2026-11-25: 2 open"


def test_a_quiet_digest_has_no_queue_and_no_times() -> None:
    message = C.digest(digest_payload(queue=[], median_minutes=None, p90_minutes=None, lrr_7=None), AT)
    assert len(message["blocks"]) == 2
    assert "*First response (7 days):* —" in message["blocks"][1]["text"]["text"]


def test_the_digest_lists_at_most_ten_open_cases() -> None:
    cases = [
        {"case_id": f"12345678{n:02d}", "summary": f"Case <{n}>", "owner": "S0LEADS" if n else "U0AGENT"}
        for n in range(12)
    ]
    message = C.digest(digest_payload(cases=cases), AT)
    assert refused(message["blocks"]) == []
    lines = message["blocks"][-1]["text"]["text"].split("\n")
    assert lines[0] == "*Open Amazon cases (12):*"
    assert len(lines) == 11
    assert lines[1] == "• 1234567800 Case &lt;0&gt; (<@U0AGENT>)"
    assert lines[2] == "• 1234567801 Case &lt;1&gt; (<!subteam^S0LEADS>)"
    long = [{"case_id": "1", "summary": "s" * 2000, "owner": "U0AGENT"}] * 3
    assert refused(C.digest(digest_payload(cases=long), AT)["blocks"]) == []


def weekly_payload(**kw: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "since": iso(TEAM_TIME - timedelta(days=10)),  # Monday 16 Nov 10:00
        "until": iso(TEAM_TIME - timedelta(days=3)),  # Monday 23 Nov 10:00
        "messages": 9,
        "breaches": 3,
        "late_response_rate": 0.25,
        "response_time": {"< 1 h": 4, "1-12 h": 2, "12-24 h": 0, "> 24 h": 1},
        "median_minutes": 50,
        "p90_minutes": 1500,
        "breaches_by_hour": {"9": 1, "14": 3, "22": 0, "3": 2, "18": 1},
        "breaches_by_weekday": {"Mon": 0, "Tue": 2, "Sat": 1},
        "messages_by_intent": {"where_is_my_order": 5, "invoice_request": 3, "damaged": 1},
    }
    base.update(kw)
    return {"weekly": base}


def test_the_weekly_report_names_the_week_and_the_worst_times() -> None:
    message = C.weekly(weekly_payload(), AT)
    assert refused(message["blocks"]) == []
    assert message["blocks"][0]["text"]["text"] == "Weekly report 16 Nov – 22 Nov"
    lines = message["blocks"][1]["text"]["text"].split("\n")
    assert lines == [
        "*Buyer messages:* 9   *Answered late or not at all:* 3",
        "*Late Response Rate:* 25.0 %",
        "*Response times:* < 1 h: 4, 1-12 h: 2, > 24 h: 1",
        "*First response:* median 50 min, 90 % within 1500 min",
        "*Breaches by hour:* 14:00 (3), 3:00 (2), 9:00 (1)",
        "*Breaches by weekday:* Tue (2), Sat (1)",
        "*By intent:* where is my order 5, invoice request 3, damaged 1",
    ]
    assert message["text"] == "Weekly report: 9 messages, 3 late"
    assert len(message["blocks"]) == 2  # a report queued before the account health section existed


def test_the_weekly_account_health_with_orders_and_without() -> None:
    health = {
        "orders": 812,
        "orders_unknown": None,
        "marketplaces": ["amazon.de", "amazon.fr"],
        "a_to_z_claims": 2,
        "a_to_z_claims_per_100": 0.25,
        "chargebacks": 0,
        "chargebacks_per_100": 0.0,
        "outcomes": {"refunded": 3, "return_authorised": 1},
        "valid_tracking": {"rate": 0.96, "valid": 48, "checked": 50, "shipped": 53, "unchecked": 3},
        "handling": [
            {"user": "U0ANNA", "sends": 12, "median_minutes": 42, "unmeasured": 0},
            {"user": "U0BEN", "sends": 1, "median_minutes": None, "unmeasured": 1},
        ],
    }
    message = C.weekly(weekly_payload(health=health), AT)
    assert refused(message["blocks"]) == []
    assert message["blocks"][2]["text"]["text"].split("\n") == [
        "*Account health*",
        "*Orders:* 812 (amazon.de, amazon.fr)",
        "*A-to-z claims:* 2 (0.25 per 100 orders)",
        "*Chargebacks:* 0 (0.0 per 100 orders)",
        "*Outcomes:* refunded 3, return authorised 1",
        "*Valid tracking rate:* 96.0 %: 48 of 50 seller-fulfilled packages shipped had a carrier scan; 3 more not checked",
        "*Handling time (median, sends):* <@U0ANNA> 42 min (12), <@U0BEN> start unknown (1)",
    ]
    unknown = {
        **health,
        "orders": None,
        "orders_unknown": "SP-API: rate limited <throttled>",
        "a_to_z_claims_per_100": None,
        "chargebacks_per_100": None,
        "outcomes": {},
        "valid_tracking": None,
        "handling": [],
    }
    lines = C.weekly(weekly_payload(health=unknown), AT)["blocks"][2]["text"]["text"].split("\n")
    assert lines[1:] == [
        "*Orders:* unknown (SP-API: rate limited &lt;throttled&gt;): counts only",
        "*A-to-z claims:* 2",
        "*Chargebacks:* 0",
        "*Outcomes:* —",
        "*Valid tracking rate:* unknown (needs the orders from SP-API)",
        "*Handling time (median, sends):* —",
    ]


def test_an_empty_week_says_none() -> None:
    message = C.weekly(
        weekly_payload(
            messages=0,
            breaches=0,
            late_response_rate=None,
            response_time={},
            median_minutes=None,
            breaches_by_hour={},
            breaches_by_weekday={},
            messages_by_intent={},
        ),
        AT,
    )
    text = message["blocks"][1]["text"]["text"]
    assert "*Late Response Rate:* —" in text and "*Response times:* —" in text
    assert "*Breaches by hour:* none" in text and "*Breaches by weekday:* none" in text
    assert "*By intent:* —" in text and "*First response:* —" in text


def case(kind: str, **kw: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "case_id": "1234567890",
        "summary": "Listing <suppressed>",
        "owner": "U0AGENT",
        "opened_at": iso(TEAM_TIME - timedelta(days=3, hours=1)),
        "kind": kind,
        "closes": None,
    }
    base.update(kw)
    return {"case": base}


def test_a_case_note_asks_to_follow_up_with_the_commands() -> None:
    message = C.case_note(case("followup"), AT)
    assert refused(message["blocks"]) == []
    text = message["blocks"][0]["text"]["text"]
    assert text.split("\n") == [
        ":memo: Follow up on Amazon case *1234567890* today (open 3 days).",
        "> Listing &lt;suppressed&gt;",
        "When it moves: `/case update 1234567890`; when solved: `/case close 1234567890`.",
    ]
    assert message["text"] == ":memo: Follow up on Amazon case 1234567890 today (open 3 days)."
    one = C.case_note(case("followup", opened_at=iso(TEAM_TIME - timedelta(days=1))), AT)
    assert "(open 1 day)" in one["text"]


def test_a_case_warning_says_when_amazon_closes_it() -> None:
    closes = TEAM_TIME + timedelta(days=1)
    text = C.case_note(case("warn", closes=iso(closes)), AT)["blocks"][0]["text"]["text"]
    assert text.startswith(
        f":warning: *Amazon case 1234567890 closes by itself <!date^{int(closes.timestamp())}^"
    )
    assert "without an answer: follow up or reopen it." in text
    assert "closes by itself soon*" in C.case_note(case("warn"), AT)["blocks"][0]["text"]["text"]
