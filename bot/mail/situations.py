"""Situations within an intent that have a template of their own, found by the buyer's words in every marketplace
language: a dispute about shipping costs, a buyer who is away when the parcel comes, a parcel that came without the
item itself. They do not change the intent (the model's and the refund matrix's business); they bring their template
forward on the card, first when the model found the intent they belong to (or nothing better), else second.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Situation:
    """A template and the words that call for it; `within`: the intent it refines (None: any)."""

    template: str
    label: str
    within: str | None
    words: re.Pattern[str]


SITUATIONS = (
    Situation(
        "shipping_cost",
        "shipping costs",
        None,
        re.compile(
            r"\b(?:versandkosten|portokosten|shipping (?:cost|fee|charge)s?|postage|delivery (?:charge|fee)s?"
            r"|frais (?:de )?(?:port|livraison|d'envoi)|spese di (?:spedizione|consegna)|costi di spedizione"
            r"|gastos de (?:env[ií]o|entrega)|costes? de env[ií]o|verzendkosten|bezorgkosten"
            r"|koszt(?:y|ów|u)? (?:wysyłki|dostawy|przesyłki)|opłat[ay]? za (?:wysyłkę|dostawę)"
            r"|fraktkostna(?:d|der)|fraktavgift(?:en)?|leveranskostna(?:d|der))\b"
        ),
    ),
    Situation(
        "buyer_away",
        "buyer away",
        None,
        re.compile(
            r"\b(?:(?:im|in den|aus dem) urlaub|verreist|nicht (?:zu hause|zuhause) (?:bin|sein)"
            r"|on (?:holiday|vacation)|away (?:from home|until|till)|(?:won't|will not) be (?:at )?home|out of town"
            r"|en vacances|absente? (?:jusqu|du \d|de chez)"
            r"|in vacanza|in ferie|fuori casa|non (?:sarò|saro) a casa"
            r"|de vacaciones|fuera de casa|no (?:estaré|estare) en casa"
            r"|op vakantie|niet thuis"
            r"|na urlopie|na wakacjach|nie będzie mnie w domu|poza domem"
            r"|på semester|bortrest|inte hemma)\b"
        ),
    ),
    Situation(
        "missing_main_item",
        "the item itself missing",
        "missing_parts",
        re.compile(
            # the parcel or its box came empty ("mailbox", "Paketbox" are no parcel: a letter must not come before)
            r"(?<![a-zäöüß])(?:paket|karton|schachtel|verpackung|box|package|parcel|colis|carton|pacco|scatola|paquete"
            r"|caja|pakket|doos|paczka|pudełko|karton|låda|kartong)\w{0,2}\b(?: \w+){0,2} "
            r"(?:war|waren|ist|sind|kam|kamen|was|were|is|are|arrived|came|était|est arrivée?|era|è arrivat[oa]|estaba|llegó|is|kwam|był[ao]?|przyszł[ao]|var|kom)"
            r"(?: \w+){0,2} (?:leer|empty|vide|vuot[oa]|vac[ií][oa]|leeg|pust[ey]|pusta|tom[tma]?)\b"
            r"|\b(?:nur|only|seulement|solo|sólo|alleen|tylko|bara) (?:die |the |l'|le |la |el |de |het )?"
            r"(?:verpackung|karton|packaging|box|emballage|carton|imballo|confezione|embalaje|caja|verpakking|doos"
            r"|opakowanie|förpackning)\b(?! but| sondern| mais| ma | pero| maar| ale| utan)"
            r"|\b(?:ohne|without|sans|senza|sin|zonder|bez|utan) (?:den |das |die |the |l'|le |la |il |el |de |het )?"
            r"(?:artikel|gerät|produkt|item|product|article|produit|articolo|prodotto|artículo|producto|artykuł|"
            r"produktu|artykułu|varan?)\b(?!'s| original)"
        ),
    ),
)


def situations(text: str) -> list[tuple[Situation, str]]:
    """The situations the words show, each with the words that showed it."""
    lowered = (text or "").lower().replace("’", "'")
    found = []
    for situation in SITUATIONS:
        m = situation.words.search(lowered)
        if m:
            found.append((situation, m.group(0).strip()))
    return found


def bring_forward(templates: list[str], best: str, found: list[tuple[Situation, str]]) -> list[str]:
    """The card's template order with each situation's template first (its intent, or nothing better) or second."""
    out = list(templates)
    for situation, _ in reversed(found):
        rest = [k for k in out if k != situation.template]
        first = situation.within == best or best == "other"
        out = [situation.template, *rest] if first or not rest else [rest[0], situation.template, *rest[1:]]
    return out
