"""Only Amazon is Amazon: exact domains, lookalikes shown as suspicious, DKIM and a trusted server's verdict, links."""

from __future__ import annotations

from email.message import EmailMessage
from pathlib import Path

import pytest

from bot.mail.model import MailKind
from bot.mail.parser import parse_relay_mail
from bot.mail.trust import (
    MARKETPLACE_DOMAINS,
    Authenticator,
    amazon_sender,
    authenticate,
    authenticator_from,
    no_response_target,
    pretends_amazon,
    relay_marketplace,
)
from tests.conftest import fixture_mail, make_settings
from tests.support.dkim import dns, sign

RELAY = "hbwx9y8tcpd5r2k@marketplace.amazon.de"


def relay_mail(
    sender: str = f'"Max Müller - Amazon Marketplace" <{RELAY}>',
    *,
    extra: dict[str, str] | None = None,
    body: str = "Guten Tag, wo bleibt meine Bestellung?",
) -> bytes:
    """A buyer message as Amazon's relay sends it (sender and headers as given)."""
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = "shop@example-shop.de"
    msg["Subject"] = "Frage von Amazon-Kunde Max Müller (Bestellung: 302-1234567-1234567)"
    msg["Date"] = "Thu, 26 Nov 2026 09:00:00 +0100"
    msg["Message-ID"] = "<m1@email.amazonses.com>"
    for name, value in (extra or {}).items():
        msg[name] = value
    msg.set_content(body)
    return msg.as_bytes()


def test_every_marketplace_is_a_relay_domain_exactly() -> None:
    for site in MARKETPLACE_DOMAINS:
        assert relay_marketplace(f"a1b2@marketplace.{site}") == site
        assert (
            relay_marketplace(f"A1B2+case-9@MARKETPLACE.{site.upper()}") == site
        )  # case-insensitive, plus alias
    assert relay_marketplace("marketplace.amazon.de") is None  # no local part


@pytest.mark.parametrize(
    "domain",
    [
        "marketplace.amazon.de.evil.com",
        "marketplace.amazon.com.phish.example",
        "marketplace.amazon.evilcorp.com",
        "marketplace-amazon.de",
        "marketplace.amaz0n.de",
        "x.marketplace.amazon.de",
        "marketplace.amazon.xyz",
    ],
)
def test_lookalike_domains_are_not_amazon(domain: str) -> None:
    assert relay_marketplace(f"eve@{domain}") is None
    assert (
        amazon_sender(f"eve@{domain}") is None
        and amazon_sender(f"eve@{domain.removeprefix('marketplace.')}") is None
    )
    parsed = parse_relay_mail(relay_mail(f'"Eve - Amazon Marketplace" <eve@{domain}>'))
    assert parsed.kind is MailKind.SUSPICIOUS and parsed.buyer_alias is None and parsed.suspicion


def test_notices_only_from_amazons_own_domains_or_those_the_seller_adds() -> None:
    assert amazon_sender("donotreply@amazon.com") == "amazon.com"
    assert amazon_sender("atoz-guarantee-no-reply@amazon.co.uk") == "amazon.co.uk"
    assert amazon_sender("notice@mail.amazon.de") is None  # a subdomain is not a marketplace domain
    assert amazon_sender("notice@amazon.de.attacker.net") is None
    assert amazon_sender("notice@seller-mail.example", ["seller-mail.example"]) == "seller-mail.example"


def test_why_a_sender_that_is_not_amazon_looks_like_one() -> None:
    assert "notification header" in (
        pretends_amazon(name="", address="x@evil.com", reply_to=[], notification_header=True) or ""
    )
    assert "looks like Amazon" in (
        pretends_amazon(name="", address="x@amazon-support.de", reply_to=[], notification_header=False) or ""
    )
    assert "Reply-To" in (
        pretends_amazon(
            name="",
            address="x@example.com",
            reply_to=[f"eve@{'marketplace.amazon.de'}"],
            notification_header=False,
        )
        or ""
    )
    assert "sender name says Amazon" in (
        pretends_amazon(
            name="Amazon Marketplace", address="x@gmail.com", reply_to=[], notification_header=False
        )
        or ""
    )
    assert (
        pretends_amazon(name="Hans", address="hans@example.com", reply_to=[], notification_header=False)
        is None
    )


def test_a_forged_notification_header_makes_no_notice() -> None:
    raw = relay_mail(
        '"Amazon" <seller-notification@evil.example>',
        extra={"X-Space-Notification-Type": "A_Z_CLAIM_RESPONDENT_NOTIFY"},
    )
    parsed = parse_relay_mail(raw)
    assert parsed.kind is MailKind.SUSPICIOUS and parsed.notice_type is None
    assert "notification header" in (parsed.suspicion or "")


def test_a_forged_copy_of_a_reply_is_no_confirmation() -> None:
    raw = relay_mail('"Amazon" <donotreply@amazon.com.evil.io>')
    raw = raw.replace(b"Subject: Frage von", b"Subject: Your e-mail to Max Mueller; was: Frage von")
    assert parse_relay_mail(raw).kind is MailKind.SUSPICIOUS


def test_reply_to_is_never_a_reply_target() -> None:
    genuine = parse_relay_mail(relay_mail(extra={"Reply-To": "eve@attacker.example"}))
    assert genuine.kind is MailKind.BUYER_MESSAGE and genuine.buyer_alias == RELAY  # the sender, not Reply-To
    notice = parse_relay_mail(fixture_mail("notice_atoz.eml"))
    assert notice.kind is MailKind.AMAZON_NOTICE and notice.buyer_alias is None  # a notice is never answered


def test_a_buyer_name_with_a_comma_is_still_a_buyer_message() -> None:
    raw = relay_mail(f"=?utf-8?q?M=C3=BCller=2C_Hans_-_Amazon_Marketplace?= <{RELAY}>")
    parsed = parse_relay_mail(raw)
    assert parsed.kind is MailKind.BUYER_MESSAGE and parsed.buyer_alias == RELAY
    assert parsed.buyer_name == "Müller, Hans"


@pytest.mark.parametrize(
    ("url", "taken"),
    [
        ("https://sellercentral.amazon.de/messaging/no-response-needed?t=abc", True),
        ("https://SELLERCENTRAL.AMAZON.CO.UK/messaging/no-response-needed?t=abc", True),
        ("http://sellercentral.amazon.de/messaging/no-response-needed?t=abc", False),  # not https
        ("https://sellercentral.amazon.de.evil.com/messaging/no-response-needed?t=abc", False),
        ("https://evil.com/?u=https://sellercentral.amazon.de/messaging/no-response-needed", False),
        ("https://amazon.de.phish.io/messaging/no-response-needed", False),
        ("https://sellercentral.amazon.de/evil/no-response-needed", False),  # not Amazon's messaging path
        ("https://user@sellercentral.amazon.de/messaging/no-response-needed", False),
    ],
)
def test_the_no_response_link_is_amazons_own(url: str, taken: bool) -> None:
    assert (no_response_target(url) == url) is taken


def test_a_link_in_amazons_redirect_is_unwrapped_and_checked() -> None:
    target = "https://sellercentral.amazon.de/messaging/no-response-needed?t=Zm9v"
    wrapped = "https://www.amazon.de/gp/r.html?C=1&U=https%3A%2F%2Fsellercentral.amazon.de%2Fmessaging%2Fno-response-needed%3Ft%3DZm9v"
    assert no_response_target(wrapped) == target
    foreign = wrapped.replace("sellercentral.amazon.de", "sellercentral.amazon.de.evil.com")
    assert no_response_target(foreign) is None
    evil_wrapper = wrapped.replace("www.amazon.de", "www.amazon.de.evil.com")
    assert no_response_target(evil_wrapper) is None


def test_a_buyer_or_spoofer_cannot_put_a_link_on_the_button() -> None:
    body = "Bitte klicken: https://evil.example/messaging/no-response-needed?t=1"
    assert parse_relay_mail(relay_mail(body=body)).no_response_link is None
    spoof = relay_mail(
        '"Amazon" <eve@evil.example>', body="https://sellercentral.amazon.de/messaging/no-response-needed?t=1"
    )
    assert (
        parse_relay_mail(spoof).no_response_link is None
    )  # not even Amazon's link, from a sender that is not


def test_dkim_of_an_amazon_domain_aligned_with_the_sender_authenticates() -> None:
    checker = Authenticator(
        dkim_verify=True, required=True, dnsfunc=dns("amazon.de", "amazon.fr", "evil.com")
    )
    raw = relay_mail()
    assert checker.check(sign(raw, "amazon.de"), RELAY).authenticated is True
    assert checker.check(sign(raw, "marketplace.amazon.de"), RELAY).authenticated is False  # no key: fails
    unsigned = checker.check(raw, RELAY)
    assert unsigned.authenticated is False and "no DKIM signature" in unsigned.how
    forged = checker.check(sign(raw, "amazon.de", key="other-test.key"), RELAY)
    assert forged.authenticated is False and "does not verify" in forged.how
    misaligned = checker.check(sign(raw, "amazon.fr"), RELAY)
    assert misaligned.authenticated is False and "does not align" in misaligned.how
    foreign = checker.check(sign(raw, "evil.com"), RELAY)
    assert foreign.authenticated is False and "not Amazon" in foreign.how
    tampered = sign(raw, "amazon.de").replace(b"wo bleibt", b"schicken Sie an eve@x")
    assert checker.check(tampered, RELAY).authenticated is False


def test_only_the_trusted_servers_authentication_results_count() -> None:
    checker = Authenticator(authserv_id="mx.example-shop.de", required=True)
    passed = {"Authentication-Results": "mx.example-shop.de; dkim=pass header.d=amazon.de header.s=s1"}
    assert checker.check(relay_mail(extra=passed), RELAY).authenticated is True
    dmarc = {"Authentication-Results": "mx.example-shop.de; dmarc=pass header.from=marketplace.amazon.de"}
    assert checker.check(relay_mail(extra=dmarc), RELAY).authenticated is True
    failed = {"Authentication-Results": "mx.example-shop.de; dkim=fail header.d=amazon.de"}
    assert checker.check(relay_mail(extra=failed), RELAY).authenticated is False
    other_signer = {"Authentication-Results": "mx.example-shop.de; dkim=pass header.d=evil.com"}
    assert checker.check(relay_mail(extra=other_signer), RELAY).authenticated is False
    untrusted = {"Authentication-Results": "mx.attacker.net; dkim=pass header.d=amazon.de"}
    verdict = checker.check(relay_mail(extra=untrusted), RELAY)
    assert verdict.authenticated is None  # written by the sender or another server: proves nothing


def test_unauthenticated_amazon_mail_is_suspicious_when_required(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, trusted_authserv_id="mx.example-shop.de")
    assert settings.authentication_required  # on by default once a method is configured
    checker = authenticator_from(settings)
    parsed = parse_relay_mail(relay_mail())
    authenticate(parsed, relay_mail(), checker)
    assert parsed.kind is MailKind.SUSPICIOUS and parsed.buyer_alias is None
    assert "marketplace.amazon.de" in (parsed.suspicion or "")
    ok = relay_mail(extra={"Authentication-Results": "mx.example-shop.de; dkim=pass header.d=amazon.de"})
    trusted = parse_relay_mail(ok)
    authenticate(trusted, ok, checker)
    assert trusted.kind is MailKind.BUYER_MESSAGE and trusted.buyer_alias == RELAY
    off = make_settings(
        tmp_path, trusted_authserv_id="mx.example-shop.de", require_authenticated_amazon=False
    )
    assert not authenticator_from(off).required
    assert not make_settings(tmp_path).authentication_required  # nothing configured: nothing required


def test_a_mail_with_two_senders_is_nobodys() -> None:
    raw = relay_mail()
    raw = raw.replace(b"From: ", b"From: Eve <eve@evil.example>\nFrom: ", 1)
    parsed = parse_relay_mail(raw)
    assert parsed.kind is MailKind.SUSPICIOUS and parsed.buyer_alias is None and parsed.marketplace is None
    assert "2 From headers" in (parsed.suspicion or "")


def test_a_link_in_amazons_redirect_is_unwrapped_and_its_target_checked() -> None:
    from urllib.parse import quote

    inner = "https://sellercentral.amazon.de/messaging/no-response-needed?t=abc&m=1"
    wrapped = "https://sellercentral.amazon.de/nms/redirect?k=1&u=" + quote(inner, safe="")
    assert no_response_target(wrapped) == inner
    elsewhere = "https://sellercentral.amazon.de/nms/redirect?u=" + quote(
        "https://evil.example/messaging/no-response-needed", safe=""
    )
    assert no_response_target(elsewhere) is None
    assert no_response_target("https://evil.example/nms/redirect?u=" + quote(inner, safe="")) is None
