"""What a number is called in the words before it: a company id, a product's or a document's own number (not a phone),
or a number to call (a phone whatever its label says). Read by bot/replies/numbers.py."""

from __future__ import annotations

import logging
import re

log = logging.getLogger(__name__)

COMPANY_ID = re.compile(
    r"organisationsnummer|org\.?\s?nr|momsreg\w*|\bvat\b|ust-?id\w*|steuernummer|handelsregister|\bhrb\b|\bnip\b|"
    r"\bregon\b|\bkrs\b|\bkvk\b|\bbtw\b|\bsiret\b|\bsiren\b|\btva\b|partita iva|p\.?\s?iva|\bnif\b|\bcif\b|"
    r"codice fiscale|company (?:number|registration|no\b)|(?-i:\bEIN\b)|employer identification|ondernemingsnummer|"
    r"\bcnpj\b|\bcpf\b|inscri[çc][ãa]o estadual|\babn\b|\bacn\b|法人番号|登録番号",
    re.I,
)
# the label of a product's or a document's own number right before it: "SN 4471-0093-2218", "Charge: 2231-0045"
ID_LABEL = re.compile(
    r"(?:\bs/?n|serial(?:\s+(?:number|no\.?|nr\.?))?|serien?-?(?:nummer|nr\.?)|num[ée]ro de s[ée]rie|"
    r"numero di serie|n[úu]mero de serie|numer seryjny|nr seryjny|lot|batch|charge|chargen?nummer|partij|"
    r"lotto|lote|parti|modell?(?:nummer|nr\.?)?|model(?:number|nummer)?|mod[èe]le|modello|modelo|typenummer|"
    r"art(?:ikel)?\.?-?(?:nummer|nr\.?|no\.?)|article (?:number|no\.?)|invoice (?:number|no\.?)|"
    r"rechnungs?-?(?:nummer|nr\.?)|facture n[°o]\.?|fattura n[°o.]*|factura n[°oº.]*|factuurnummer|"
    r"numer faktury|fakturanummer|ref(?:erence|erenz|erencia|erenza)?\.?|part(?:s)?[- ]?(?:number|no\.?|nr\.?)|"
    r"codice (?:articolo|prodotto)|c[óo]digo (?:de art[íi]culo|del producto|do produto)|nr produkcyjny|"
    r"numer (?:produkcyjny|katalogowy|części)|produktionsnummer|imei|送り状(?:番号|no\.?)|伝票番号|追跡番号)"
    r"\s*[:#.]?\s*(?:n[°or]\.?\s*)?$",
    re.I,
)
# A product's or a parcel's number named a few words earlier: "Die Artikelnummer des Ersatzmessers lautet 4711-203-55",
# "numer katalogowy noża to …", "お問い合わせ番号は 3601-2345-6789"; what it is, then a verb or particle, then it.
ID_NAMED = re.compile(
    r"(?<![a-z])(?:art(?:ikel|icle|icolo|ículo|igo)?[- ]?(?:nummer|number|nr|no|numret)|part(?:s)? (?:number|no)|item (?:number|no)|"
    r"product (?:code|number)|produktnummer|teilenummer|ersatzteilnummer|r[ée]f[ée]rence|codice(?: articolo)?|"
    r"c[óo]digo(?: do produto| del artículo)?|referencia|numer katalogowy|numer części|kod produktu|onderdeelnummer|"
    r"reservdelsnummer|lot(?: number| no\.?|nummer)|lotnummer|batch(?: number| no\.?|nummer)|partinummer|"
    r"tracking (?:number|no\.?|id)|sendungsnummer|"
    r"品番|型番|製造番号|ロット番号|シリアル番号|お?問い?合わせ番号|追跡番号|伝票番号)"
    r"[^\d\n.!?]{0,30}?(?:\bis|\blautet|\bist|\best|\bè|\bes|\bto|\bär|\bé|\bwynosi|は|:)\s*[:\"'„«]?\s*$",
    re.I,
)
PHONE_WORDS = re.compile(
    # words that only say "a number to call": not a product's (support mural, Handy-Halterung, contact grill)
    r"\b(?:call|calling|phone|tel|telefon\w*|ruf\w*|anruf\w*|appel\w*|chiam\w*|llam\w*|bel|zadzwo\w*|ring\w*|"
    r"ligue|hotline|helpline|contact(?!\s+grill)|kontakt\w*|contacto|contato|contatt\w*|contactez|contáctenos|"
    r"contate-nos|infolinia|whatsapp|telegram|viber|sms|service client|servizio clienti|servicio al cliente|"
    r"atendimento|kundenservice|kundendienst|customer service|customer support|kundensupport|support client|"
    r"klantenservice|kundtjänst|biuro obsługi|mobile number|mobilnummer|handynummer|numéro de portable|"
    r"número de celular|numero di cellulare|celular|cellulare)\b|電話|窓口|携帯|サポートセンター|(?<!オン)ライン|\bline\b",
    re.I,
)
US_STATES = frozenset(
    [
        "AL",
        "AK",
        "AZ",
        "AR",
        "CA",
        "CO",
        "CT",
        "DE",
        "FL",
        "GA",
        "HI",
        "ID",
        "IL",
        "IN",
        "IA",
        "KS",
        "KY",
        "LA",
        "ME",
        "MD",
        "MA",
        "MI",
        "MN",
        "MS",
        "MO",
        "MT",
        "NE",
        "NV",
        "NH",
        "NJ",
        "NM",
        "NY",
        "NC",
        "ND",
        "OH",
        "OK",
        "OR",
        "PA",
        "RI",
        "SC",
        "SD",
        "TN",
        "TX",
        "UT",
        "VT",
        "VA",
        "WA",
        "WV",
        "WI",
        "WY",
        "DC",
        "PR",
    ]
)
