"""The composed Store: every record group is mixed in, and none hides another's methods."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from itertools import combinations

import bot.store
from bot.store.store import Store, StoreBase


def record_groups() -> list[type[StoreBase]]:
    """The record-group classes the modules of bot/store define (each builds on StoreBase)."""
    groups: list[type[StoreBase]] = []
    for info in pkgutil.iter_modules(bot.store.__path__):
        module = importlib.import_module(f"bot.store.{info.name}")
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if (
                cls.__module__ == module.__name__
                and issubclass(cls, StoreBase)
                and cls not in (StoreBase, Store)
            ):
                groups.append(cls)
    return groups


def test_the_store_joins_every_record_group() -> None:
    groups = record_groups()
    assert len(groups) >= 7  # conversations, outbox, orders, sends, clock, cases, stats
    assert [g.__name__ for g in groups if not issubclass(Store, g)] == []


def test_no_record_group_hides_a_method_of_another() -> None:
    clashes = {
        (a.__name__, b.__name__): shared
        for a, b in combinations(record_groups(), 2)
        if (
            shared := {n for n in vars(a) if not n.startswith("__")}
            & {n for n in vars(b) if not n.startswith("__")}
        )
    }
    assert clashes == {}
