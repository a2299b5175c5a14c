"""The database URL: which engine and where, and never its password in what is shown or in an error."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.store.url import DatabaseUrl


def test_a_database_url_names_the_engine_and_where() -> None:
    assert DatabaseUrl.parse("sqlite:////var/lib/inbox-bot/db.sqlite") == DatabaseUrl(
        "sqlite", path=Path("/var/lib/inbox-bot/db.sqlite")
    )
    assert DatabaseUrl.parse("sqlite:///data/db.sqlite").path == Path("data/db.sqlite")  # relative
    assert DatabaseUrl.parse("inbox-bot.db") == DatabaseUrl("sqlite", path=Path("inbox-bot.db"))
    pg = DatabaseUrl.parse("postgresql://bot:s3cret@db.internal:5433/inbox")
    assert pg.engine == "postgresql" and pg.url.endswith("/inbox")
    assert DatabaseUrl.parse("postgres://h/db").engine == "postgresql"
    assert pg.shown == "postgresql://bot@db.internal:5433/inbox"  # the password never shown
    assert "s3cret" not in repr(pg) and "s3cret" not in str(pg)
    with pytest.raises(ValueError, match="starts with postgresql:"):
        DatabaseUrl.parse("mysql://h/db")
    with pytest.raises(ValueError, match="names a file"):
        DatabaseUrl.parse("sqlite://")


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("postgresql://inbox:S3cr%23et@db:5432/inbox", "postgresql://inbox@db:5432/inbox"),
        ("postgresql://inbox:pa#ss/word?@db/inbox", "postgresql://inbox@db/inbox"),  # unencoded: never raises
        (
            "postgresql://db/inbox?sslmode=require&password=S3cret",
            "postgresql://db/inbox?sslmode=require&password=********",
        ),
        (
            "postgresql://u:p4ss@h/db?options=-csearch_path%3Dt_1",
            "postgresql://u@h/db?options=-csearch_path%3Dt_1",
        ),
    ],
)
def test_shown_drops_the_password_keeps_the_rest_and_never_raises(url: str, shown: str) -> None:
    assert DatabaseUrl.parse(url).shown == shown


def test_a_drivers_error_is_redacted_in_every_form_of_the_password() -> None:
    url = DatabaseUrl.parse("postgresql://inbox:S3cr%25et@db/inbox")
    assert url.password == "S3cr%et"
    error = 'invalid percent-encoded token: "S3cr%25et" in postgresql://inbox:S3cr%25et@db/inbox (S3cr%et)'
    assert "S3cr" not in url.redact(error)
    assert DatabaseUrl.parse("postgresql://db/inbox").redact("plain text") == "plain text"


def test_the_url_setting_takes_urls_only_never_a_libpq_string_as_a_file_name() -> None:
    with pytest.raises(ValueError, match="starts with postgresql://") as refused:
        DatabaseUrl.parse("host=db user=inbox password=S3cret dbname=inbox", path_allowed=False)
    assert "S3cret" not in str(refused.value)
    assert DatabaseUrl.parse("inbox-bot.db").engine == "sqlite"  # INBOX_BOT_DATABASE_PATH's plain path
