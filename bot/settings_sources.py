"""Where the settings come from: keyword overrides, the environment, `.env`, an optional TOML file; `.env.example`."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any, get_args

from pydantic import SecretStr, ValidationError
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from bot.settings import CONFIG_ENV, Settings
from bot.settings_values import ENV_PREFIX

log = logging.getLogger(__name__)

MASK = "**********"  # how pydantic shows a SecretStr


def load_settings(config_file: Path | str | None = None, **overrides: Any) -> Settings:
    """Read settings: keyword overrides, then environment, then `.env`, then the TOML file."""
    path = config_file or os.environ.get(CONFIG_ENV)
    if path and not Path(path).is_file():
        raise FileNotFoundError(f"config file {path} does not exist")

    class _FileSettings(Settings):
        model_config = SettingsConfigDict(toml_file=path)

        @classmethod
        def settings_customise_sources(
            cls,
            settings_cls: type[BaseSettings],
            init_settings: PydanticBaseSettingsSource,
            env_settings: PydanticBaseSettingsSource,
            dotenv_settings: PydanticBaseSettingsSource,
            file_secret_settings: PydanticBaseSettingsSource,
        ) -> tuple[PydanticBaseSettingsSource, ...]:
            sources = [init_settings, env_settings, dotenv_settings]
            if path:
                sources.append(TomlConfigSettingsSource(settings_cls))
            return (*sources, file_secret_settings)

    try:
        return _FileSettings(**overrides)
    except ValidationError as e:
        raise without_secrets(e) from None  # not chained: the original would show the secret in a traceback


def secret_fields() -> frozenset[str]:
    """The settings whose values are secrets (typed SecretStr): never echoed in an error or a log."""
    return frozenset(
        name
        for name, info in Settings.model_fields.items()
        if SecretStr in (info.annotation, *get_args(info.annotation))
    )


def without_secrets(error: ValidationError) -> ValidationError:
    """The same validation error with the input values of secret settings masked (a password typed as a number,
    a token as a list…)."""
    secrets = secret_fields()
    if not any(e["loc"] and str(e["loc"][0]) in secrets for e in error.errors()):
        return error
    details: list[Any] = []
    messages: list[str] = []
    for e in error.errors():
        if e["loc"] and str(e["loc"][0]) in secrets:  # its type's message names no value; a ctx might
            kind = e["type"] if "ctx" not in e else "string_type"
            details.append({"type": kind, "loc": e["loc"], "input": MASK})
            messages.append("not a valid value (not shown: it is a secret)")
        else:
            details.append({key: value for key, value in e.items() if key in ("type", "loc", "input", "ctx")})
            messages.append(e["msg"])
    try:
        return ValidationError.from_exception_data(error.title, details)
    except (TypeError, KeyError, ValueError):  # a type that cannot be rebuilt: each message as a value error
        plain: list[Any] = [
            {"type": "value_error", "loc": d["loc"], "input": d["input"], "ctx": {"error": ValueError(m)}}
            for d, m in zip(details, messages, strict=True)
        ]
        return ValidationError.from_exception_data(error.title, plain)


def describe(error: ValidationError) -> str:
    """One line per problem: the variable, what is wrong and the value given (a secret's never)."""
    secrets = secret_fields()
    lines = []
    for e in error.errors():
        loc = [str(part) for part in e["loc"]]
        name = f"{ENV_PREFIX}{loc[0].upper()}" + "".join(f"[{p}]" for p in loc[1:]) if loc else "settings"
        if loc and loc[0] in secrets:
            lines.append(f"{name}: {e['msg']} (the value is not shown: it is a secret)")
        else:
            lines.append(f"{name}: {e['msg']} (given: {e['input']!r})")
    return "\n".join(lines)


def settings_from(**values: Any) -> Settings:
    """Settings from these values and the defaults alone: no environment, `.env` or file (hermetic demo)."""

    class _Isolated(Settings):
        @classmethod
        def settings_customise_sources(
            cls,
            settings_cls: type[BaseSettings],
            init_settings: PydanticBaseSettingsSource,
            env_settings: PydanticBaseSettingsSource,
            dotenv_settings: PydanticBaseSettingsSource,
            file_secret_settings: PydanticBaseSettingsSource,
        ) -> tuple[PydanticBaseSettingsSource, ...]:
            return (init_settings,)

    return _Isolated(**values)


def env_example() -> str:
    """The text of `.env.example`: every setting as INBOX_BOT_<NAME>, its default and what it is for."""
    lines = [
        "# inbox-bot settings. Copy to .env (or export them) and fill in what you need.",
        "# Every setting can also be given in a TOML file named by INBOX_BOT_CONFIG (keys without the prefix).",
        "",
    ]
    for name, info in Settings.model_fields.items():
        default = info.get_default(call_default_factory=True)
        if isinstance(default, list) and default and not isinstance(default[0], str):
            lines.append(f"# {info.description}")
            lines.append(
                f'# {ENV_PREFIX}{name.upper()}=[{{"action": "…", "intents": ["damaged"], "max_value": 25}}]'
            )
            lines.append("")
            continue
        if name == "products":  # a list of tables: shown as an example, empty by default
            lines.append(f"# {info.description}")
            lines.append(
                f'# {ENV_PREFIX}PRODUCTS=[{{"name": "…", "sku_prefix": "KM-", "howto": {{"en": "…"}}}}]'
            )
            lines.append("")
            continue
        if isinstance(default, list):
            value = ",".join(default)
        elif isinstance(default, dict):
            value = ",".join(f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}" for k, v in default.items())
        elif default is None:
            value = ""
        else:
            value = str(default).lower() if isinstance(default, bool) else str(default)
        lines.append(f"# {info.description}")
        lines.append(f"{ENV_PREFIX}{name.upper()}={value}")
        lines.append("")
    return "\n".join(lines)
