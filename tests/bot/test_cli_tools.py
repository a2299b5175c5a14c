"""The inspection and data commands of the `inbox-bot` command line (bot/cli_tools.py), run as a user runs them."""

from __future__ import annotations

import json
from pathlib import Path

from bot.sandbox.fake_services import FakeServices, Parcel, ParcelEvent, StoredOrder
from tests.bot.test_cli import cli
from tests.conftest import FIXTURES
from tests.support.clock import pinned_clock

KEYS = {
    "file",
    "message_id",
    "in_reply_to",
    "kind",
    "notice_type",
    "order_id",
    "buyer_name",
    "buyer_alias",
    "marketplace",
    "language",
    "topic",
    "subject",
    "text",
    "attachments",
    "no_response_link",
    "suspicion",
    "error",
}


def test_parse_json_prints_one_object_per_file_with_the_documented_keys() -> None:
    files = [
        str(FIXTURES / "de_invoice.eml"),
        str(FIXTURES / "broken.eml"),
        str(FIXTURES / "notice_atoz.eml"),
    ]
    result = cli("parse", *files, "--json")
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["file"] for r in rows] == files
    assert all(set(r) == KEYS for r in rows)
    assert rows[0]["order_id"] == "302-1234567-1234567" and rows[0]["language"] == "de"
    assert rows[0]["text"].startswith("Guten Tag") and rows[0]["error"] is None
    assert rows[1]["error"] and rows[1]["kind"] == "other"
    assert rows[2]["kind"] == "amazon_notice" and rows[2]["notice_type"] == "a_to_z_claim"


def test_parse_exits_2_when_a_file_cannot_be_read() -> None:
    result = cli("parse", str(FIXTURES / "de_invoice.eml"), "/nonexistent/mail.eml", "--json")
    assert result.returncode == 2
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert rows[0]["error"] is None
    assert rows[1]["file"] == "/nonexistent/mail.eml" and "cannot read" in rows[1]["error"]


def test_parse_without_json_is_readable() -> None:
    result = cli("parse", str(FIXTURES / "fr_damaged.eml"))
    assert result.returncode == 0
    assert "order_id: 404-1111111-2222222" in result.stdout and "Bonjour" in result.stdout


def _env(services: FakeServices) -> dict[str, str]:
    return {f"INBOX_BOT_{k.upper()}": str(v) for k, v in services.urls(services.base_url).items()}


async def test_order_prints_the_order_with_each_package_tracked(fake_services: FakeServices) -> None:
    import asyncio
    from datetime import timedelta

    now = pinned_clock().now()
    fake_services.orders["302-1234567-1234567"] = StoredOrder(
        "302-1234567-1234567",
        "A1PA6795UKMFR9",
        now - timedelta(days=2),
        [("Kaffeemühle", "B0CAFE0001", 1, "39.90")],
        "EUR",
        packages=[("DHL", "00340434161094042557", "DHL Paket")],
    )
    fake_services.parcels["00340434161094042557"] = Parcel(
        "00340434161094042557",
        "dhl",
        now - timedelta(hours=20),
        [ParcelEvent(2, "transit", "Die Sendung wurde im Paketzentrum bearbeitet.", "Hamburg, DE")],
    )
    result = await asyncio.to_thread(cli, "order", "302 1234567 1234567", "--json", env=_env(fake_services))
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["order_id"] == "302-1234567-1234567" and data["channel"] == "FBM" and data["error"] is None
    [pkg] = data["packages"]
    tracking = pkg["tracking"]
    assert {"carrier", "tracking_number", "status", "last_event", "estimated_delivery", "link"} <= set(
        tracking
    )
    assert (tracking["carrier"], tracking["status"]) == ("dhl", "in_transit")
    assert tracking["last_event"]["location"] == "Hamburg DE"
    assert tracking["link"].endswith("piececode=00340434161094042557")

    missing = await asyncio.to_thread(cli, "order", "302-0000000-0000000", "--json", env=_env(fake_services))
    assert missing.returncode == 1 and "knows no order" in json.loads(missing.stdout)["error"]
    bad = await asyncio.to_thread(cli, "order", "12-34", env=_env(fake_services))
    assert bad.returncode == 2 and "not an Amazon order id" in bad.stderr
    unset = await asyncio.to_thread(cli, "order", "302-1234567-1234567")
    assert unset.returncode == 2 and "SP-API is not configured" in unset.stderr


async def test_track_detects_the_carrier_and_works_without_keys(fake_services: FakeServices) -> None:
    import asyncio

    result = await asyncio.to_thread(cli, "track", "1Z999AA10123456784", "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert (data["carrier"], data["status"], data["candidates"]) == ("ups", "unknown", ["ups"])
    assert data["link"] == "https://www.ups.com/track?tracknum=1Z999AA10123456784"
    dhl = await asyncio.to_thread(
        cli, "track", "00340434161094042557", "--carrier", "dhl", "--json", env=_env(fake_services)
    )
    assert (
        dhl.returncode == 1 and "not found" in json.loads(dhl.stdout)["error"]
    )  # unknown to DHL: said, not hidden


def test_guard_prints_violations_and_exits_1_or_0() -> None:
    bad = cli("guard", "--lang", "de", stdin="Bitte bewerten Sie uns! Schreiben Sie an info@shop.de")
    assert bad.returncode == 1
    found = json.loads(bad.stdout)
    assert {v["rule"] for v in found} == {"review_request", "email_address"}
    assert all(set(v) == {"rule", "excerpt", "message", "severity", "suggestion"} for v in found)
    assert {v["severity"] for v in found} == {"block"} and all(v["suggestion"] for v in found)
    good = cli("guard", stdin="Ihre Bestellung 302-1234567-1234567 ist unterwegs. Viele Grüße")
    assert good.returncode == 0 and json.loads(good.stdout) == []
    relaxed = cli("guard", stdin="Danke 😊", env={"INBOX_BOT_GUARD_DISABLED_RULES": "emoji"})
    assert relaxed.returncode == 0


def test_guard_checks_macros_in_bulk_and_evaluates_a_labelled_corpus(tmp_path: Path) -> None:
    macros = tmp_path / "macros.jsonl"
    lines = [
        {"text": "Ihre Rechnung finden Sie im Anhang.", "lang": "de"},
        {"text": "Call us at +49 30 1234567!", "lang": "en"},
    ]
    macros.write_text("\n".join(json.dumps(x) for x in lines), encoding="utf-8")
    bulk = cli("guard", "--jsonl", str(macros))
    results = [json.loads(line) for line in bulk.stdout.splitlines()]
    assert bulk.returncode == 1 and [r["refused"] for r in results] == [False, True]
    assert results[1]["lang"] == "en" and results[1]["violations"][0]["rule"] == "phone_number"
    labelled = tmp_path / "corpus.jsonl"
    labelled.write_text(
        "\n".join(
            json.dumps(x)
            for x in [
                {**lines[1], "label": "forbidden", "rules": ["phone_number"]},
                {**lines[0], "label": "legitimate"},
            ]
        ),
        encoding="utf-8",
    )
    measured = cli("guard", "--evaluate", str(labelled))
    assert measured.returncode == 0, measured.stderr
    assert "forbidden refused 1/1 (100.0%), legitimate refused 0/1 (0.0%)" in measured.stdout
    assert "phone_number 100%" in measured.stdout


def test_templates_lint_passes_the_shipped_templates_and_fails_a_broken_one(tmp_path: Path) -> None:
    ok = cli("templates", "lint")
    assert ok.returncode == 0, ok.stdout
    assert "templates in de, en, es, fr, it, ja, nl, pl, pt, sv: 0 problem(s)" in ok.stdout
    (tmp_path / "de").mkdir()
    (tmp_path / "de" / "coupon.j2").write_text(
        "---\ntitle: Gutschein\nsafe: true\n---\nHallo, hier 10% Rabatt mit dem Gutschein {{ code }}. {{ signature }}"
    )
    bad = cli("templates", "lint", "--folder", str(tmp_path))
    assert bad.returncode == 1
    assert "de/coupon" in bad.stdout and "code" in bad.stdout  # StrictUndefined: 'code' is not a known value


def test_sla_explain_prints_the_deadline_and_every_planned_notification() -> None:
    env = {
        "INBOX_BOT_ONCALL_MEMBERS": "U0ONCALL",
        "INBOX_BOT_ESCALATION_MENTION": "S0LEADS",
        "INBOX_BOT_TIMEZONE": "Europe/Berlin",
    }
    result = cli("sla", "explain", "--received", "2026-03-28T12:00:00+01:00", "--json", env=env)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["deadline"] == "2026-03-29T13:00:00+02:00"  # 24 real hours over the spring-forward night
    first = data["notifications"][0]
    assert set(first) == {"at", "stage", "action", "who"}
    assert (first["at"], first["stage"], first["action"]) == (
        "2026-03-29T07:00:00+02:00",
        "due_soon",
        "update_card",
    )
    oncall = [n for n in data["notifications"] if n["action"] == "mention_oncall"]
    assert oncall[0]["stage"] == "urgent" and oncall[0]["who"] == "U0ONCALL"
    assert any(n["action"] == "mention_lead" and n["who"] == "S0LEADS" for n in data["notifications"])
    later = cli(
        "sla",
        "explain",
        "--received",
        "2026-03-28T12:00:00+01:00",
        "--now",
        "2026-03-29T12:50:00+02:00",
        "--json",
        env=env,
    )
    assert {n["stage"] for n in json.loads(later.stdout)["notifications"]} == {"breached"}
    bad = cli("sla", "explain", "--received", "2026-03-28T12:00:00")
    assert bad.returncode == 2 and "timezone offset" in bad.stderr


def test_classify_prints_intent_confidence_and_templates() -> None:
    result = cli("classify", "--lang", "en", stdin="Hi, I received the wrong size. Can I exchange it?")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert (
        data["intent"] == "wrong_item"
        and 0 < data["confidence"] <= 1
        and data["templates"][0] == "wrong_item"
    )


def test_templates_export_gives_a_team_folder_that_lint_reads_over_the_shipped_ones(tmp_path: Path) -> None:
    ours = tmp_path / "ours"
    exported = cli("templates", "export", str(ours))
    assert exported.returncode == 0, exported.stderr
    assert f"set INBOX_BOT_TEMPLATE_DIR={ours}" in exported.stdout
    again = cli("templates", "export", str(ours))
    assert again.returncode == 1 and "use --force" in again.stderr
    (ours / "de" / "damaged.j2").write_text("---\ntitle: Kaputt\n---\nHallo {{ buyer_name }, kaputt\n")
    broken = cli("templates", "lint", "--team", str(ours))
    assert broken.returncode == 1 and "de/damaged.j2:4:" in broken.stderr
    (ours / "de" / "damaged.j2").write_text(
        "---\ntitle: Kaputt\n---\nSchreiben Sie uns an info@example.com\n"
    )
    flagged = cli("templates", "lint", env={"INBOX_BOT_TEMPLATE_DIR": str(ours)})  # from the settings
    assert flagged.returncode == 1 and "de/damaged: email_address" in flagged.stdout
