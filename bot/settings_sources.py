"""Where the settings come from: keyword overrides, the environment, `.env`, an optional TOML file; `.env.example`."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from bot.settings import CONFIG_ENV, ENV_PREFIX, Settings

log = logging.getLogger(__name__)


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

    return _FileSettings(**overrides)


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
