"""Metrics counted through the whole bot: a buyer's mail becomes a card (with its order and parcel looked up), the
guard refuses a first reply, the deadline passes, a reply goes out with a follow-up that then comes due; /metrics,
scraped over HTTP at each step, counts every one of them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from prometheus_client.parser import text_string_to_metric_families

from bot.clock.clocks import FakeClock
from bot.sandbox.fake_services import FakeServices, Parcel, ParcelEvent, StoredOrder
from bot.sandbox.slack_api import FakeSlack
from tests.conftest import eventually, fixture_mail, make_settings, running_bot
from tests.support.desk import Desk
from tests.support.dovecot import free_port
from tests.support.smtp import SmtpServer

RECEIVED = datetime(2026, 11, 24, 7, 12, 45, tzinfo=UTC)  # de_invoice.eml: its 24-hour clock starts here
ORDER = "302-1234567-1234567"
PARCEL = "00340434161094042557"

Values = dict[tuple[str, tuple[tuple[str, str], ...]], float]


async def scrape(port: int) -> Values:
    """/metrics as Prometheus reads it."""
    async with httpx.AsyncClient(timeout=5) as client:
        response = await client.get(f"http://127.0.0.1:{port}/metrics")
    assert response.status_code == 200
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(response.text)
        for s in family.samples
    }


def one(values: Values, name: str, **labels: str) -> float:
    return values[(name, tuple(sorted(labels.items())))]


async def test_mail_card_reply_and_the_clock_are_counted_in_the_metrics(
    tmp_path: Path, fake_slack: FakeSlack, fake_services: FakeServices, smtp: SmtpServer
) -> None:
    clock = FakeClock(RECEIVED + timedelta(hours=23, minutes=55))  # five minutes before the deadline
    fake_services.orders[ORDER] = StoredOrder(
        ORDER,
        "A1PA6795UKMFR9",
        RECEIVED - timedelta(days=2),
        [("Kaffeemühle", "B0CAFE0001", 1, "39.90")],
        "EUR",
        packages=[("DHL", PARCEL, "DHL Paket")],
    )
    fake_services.parcels[PARCEL] = Parcel(
        PARCEL,
        "dhl",
        RECEIVED - timedelta(hours=10),
        [ParcelEvent(1, "transit", "Im Paketzentrum bearbeitet.")],
    )
    (tmp_path / "mail").mkdir()
    (tmp_path / "mail" / "1.eml").write_bytes(fixture_mail("de_invoice.eml"))
    port = free_port()
    settings = make_settings(
        tmp_path,
        fake_slack,
        ops_port=port,
        sla_sweep_seconds=0.2,
        **smtp.settings(),
        **fake_services.urls(fake_services.base_url),
    )
    async with running_bot(settings, clock=clock) as deps:
        await fake_slack.wait_for(lambda: len(fake_slack.posts()) == 1, timeout=15)
        await eventually(lambda: deps.store.pending_outbox_count() == 0, what="the card drawn with its order")
        values = await scrape(port)
        assert one(values, "inbox_bot_mails_read_total") == 1
        assert one(values, "inbox_bot_cards_posted_total") == 1
        assert one(values, "inbox_bot_open_conversations", stage="critical") == 1
        assert one(values, "inbox_bot_outbox_depth") == 0
        for service in ("Slack", "SP-API", "Login with Amazon", "DHL"):
            assert one(values, "inbox_bot_api_calls_total", service=service) >= 1, service
            assert one(values, "inbox_bot_api_errors_total", service=service) == 0, service
        assert one(values, "inbox_bot_lookup_seconds_count", kind="order") == 1
        assert one(values, "inbox_bot_lookup_seconds_count", kind="tracking") == 1
        assert one(values, "inbox_bot_sla_breaches_total") == 0

        desk = Desk(deps, fake_slack, smtp)
        view = await desk.open_reply("U0AGENT", "reply_template:invoice_request")
        text = view["blocks"][1]["element"]["initial_value"]
        refused = await desk.submit("U0AGENT", text + "\nSchreiben Sie an service@example-shop.de")
        assert "e-mail addresses" in refused["payload"]["errors"]["reply"]
        values = await scrape(port)
        assert one(values, "inbox_bot_guard_refusals_total", rule="email_address") == 1

        clock.advance(minutes=10)  # the deadline passes unanswered
        await eventually(
            lambda: deps.metrics.registry.get_sample_value("inbox_bot_sla_breaches_total") == 1,
            what="the breach counted",
        )
        values = await scrape(port)
        assert one(values, "inbox_bot_sla_breaches_total") == 1
        assert one(values, "inbox_bot_open_conversations", stage="breached") == 1

        remind: dict[str, Any] = {"type": "static_select", "selected_option": {"value": "1"}}
        ack = await desk.people.submit_view(
            user="U0AGENT",
            values={
                "reply": {"text": {"type": "plain_text_input", "value": text}},
                "follow_up": {"follow_up": remind},
            },
        )
        assert not ack.get("payload")  # sent as the template wrote it, with a reminder in an hour
        await eventually(lambda: len(smtp.messages) == 1, what="the e-mail")
        await eventually(lambda: deps.store.conversations()[0]["state"] == "answered", what="answered")
        clock.advance(hours=2)  # the buyer did not write back
        await eventually(
            lambda: deps.metrics.registry.get_sample_value("inbox_bot_followups_due_total") == 1,
            what="the follow-up due",
        )
        await eventually(lambda: deps.store.pending_outbox_count() == 0, what="the reminder posted")
        values = await scrape(port)
        assert one(values, "inbox_bot_sends_total", outcome="sent") == 1
        assert one(values, "inbox_bot_sends_total", outcome="failed") == 0
        assert one(values, "inbox_bot_followups_due_total") == 1
        assert one(values, "inbox_bot_sla_breaches_total") == 1  # once, however many sweeps ran
        assert one(values, "inbox_bot_cards_posted_total") == 1  # redraws and thread notes are not cards
        assert one(values, "inbox_bot_mails_read_total") == 1
        assert sum(v for (name, _), v in values.items() if name == "inbox_bot_open_conversations") == 0
        assert one(values, "inbox_bot_api_rate_limited_total", service="Slack") == 0
