"""How one setting's text is read: its variable's name in errors, comma lists and pairs, a parser tried on load."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import ValidationInfo

log = logging.getLogger(__name__)

ENV_PREFIX = "INBOX_BOT_"


def env_name(info: ValidationInfo) -> str:
    """The environment variable of the field being validated."""
    return f"{ENV_PREFIX}{(info.field_name or '').upper()}"


def parses(info: ValidationInfo, value: str, parse: Callable[[str, ZoneInfo], object], example: str) -> None:
    """Run the parser the bot will use on `value`; its error, named by the variable and with an example if the
    parser gave none, is the setting's."""
    try:
        parse(value, ZoneInfo("UTC"))
    except ValueError as e:
        hint = "" if "write" in str(e) else f"; write it like {example}"
        raise ValueError(f"{env_name(info)}: {e}{hint}") from e


def comma_list(text: str) -> list[str]:
    """'a, b,,c' → ['a', 'b', 'c'] (settings given as one environment variable)."""
    return [v.strip() for v in text.split(",") if v.strip()]


def comma_pairs(text: str, what: str, example: str) -> list[tuple[str, str]]:
    """'k=v,k2=v2' → [('k', 'v'), ('k2', 'v2')]; a malformed item says how to write it."""
    pairs = [item.split("=", 1) for item in comma_list(text)]
    if any(len(p) != 2 for p in pairs):
        raise ValueError(f"write {what} separated by commas, e.g. {example}")
    return [(k.strip(), v.strip()) for k, v in pairs]


# Hours to act on a notice by default; sources in docs/playbook.md ("Every notice type").
NOTICE_DEADLINES = (
    "a_to_z_claim=72,chargeback=168,cancellation_request=24,message_not_delivered=24,return_request=48"
)


def notice_hours(value: Any = NOTICE_DEADLINES) -> Any:
    """Hours per notice type from 'a_to_z_claim=48' (or a TOML table): the types not named keep their default, 0
    takes a type's clock away; anything else is returned for the settings' own error."""
    if isinstance(value, str):
        value = dict(comma_pairs(value, "type=hours pairs", "a_to_z_claim=72,chargeback=168"))
    if not isinstance(value, dict):
        return value
    defaults = {k: float(v) for k, v in comma_pairs(NOTICE_DEADLINES, "pairs", NOTICE_DEADLINES)}
    merged = defaults | {str(k).lower(): float(v) for k, v in value.items()}
    return {k: v for k, v in merged.items() if v > 0}


def per_carrier(spec: str, carrier: str | None) -> float:
    """A number with exceptions by carrier, e.g. '4, dhl=3, usps=6': the carrier's, else the plain one (else 0)."""
    default = 0.0
    by_carrier: dict[str, float] = {}
    for item in comma_list(spec):
        name, _, number = item.rpartition("=")
        try:
            value = float(number)
        except ValueError:
            raise ValueError(f"“{item}” is not a number of days: write it like 4, dhl=3") from None
        if name:
            by_carrier[name.strip().lower()] = value
        else:
            default = value
    return by_carrier.get((carrier or "").lower(), default)
