"""Everything the parser knows about Amazon's wording, in one place (see shared/docs/amazon.md)."""

from __future__ import annotations

import re

import regex

from bot.mail.model import NoticeType

ORDER_ID = re.compile(r"(?<![\d-])(\d{3})[-\s]?(\d{7})[-\s]?(\d{7})(?![\d-])")
STRICT_ORDER_ID = re.compile(r"(?<![\d-])\d{3}-\d{7}-\d{7}(?![\d-])")


# Amazon site → default language of the marketplace, when the text itself does not tell.
MARKETPLACE_LANGUAGE = {
    "amazon.com": "en",
    "amazon.co.uk": "en",
    "amazon.ca": "en",
    "amazon.com.au": "en",
    "amazon.in": "en",
    "amazon.sg": "en",
    "amazon.ie": "en",
    "amazon.ae": "en",
    "amazon.sa": "ar",
    "amazon.eg": "ar",
    "amazon.de": "de",
    "amazon.at": "de",
    "amazon.fr": "fr",
    "amazon.com.be": "fr",
    "amazon.it": "it",
    "amazon.es": "es",
    "amazon.com.mx": "es",
    "amazon.nl": "nl",
    "amazon.se": "sv",
    "amazon.pl": "pl",
    "amazon.com.br": "pt",
    "amazon.co.jp": "ja",
    "amazon.com.tr": "tr",
}

# X-Marketplace-ID → Amazon site (Amazon's public marketplace ids).
MARKETPLACE_IDS = {
    "ATVPDKIKX0DER": "amazon.com",
    "A2EUQ1WTGCTBG2": "amazon.ca",
    "A1AM78C64UM0Y8": "amazon.com.mx",
    "A2Q3Y263D00KWC": "amazon.com.br",
    "A1PA6795UKMFR9": "amazon.de",
    "A1F83G8C2ARO7P": "amazon.co.uk",
    "A13V1IB3VIYZZH": "amazon.fr",
    "APJ6JRA9NG5V4": "amazon.it",
    "A1RKKUPIHCS9HS": "amazon.es",
    "A1805IZSGTT6HS": "amazon.nl",
    "A2NODRKZP88ZB9": "amazon.se",
    "A1C3SOZRARQ6R3": "amazon.pl",
    "AMEN7PMS3EDWL": "amazon.com.be",
    "A28R8C7NBKEWEA": "amazon.ie",
    "A33AVAJ2PDY3EV": "amazon.com.tr",
    "A1VC38T7YXB528": "amazon.co.jp",
    "A39IBJ37TRP1C6": "amazon.com.au",
    "A21TJRUUN4KGV": "amazon.in",
    "A19VAU5U5O7RUS": "amazon.sg",
    "A2VIGQ35RCS4UG": "amazon.ae",
    "A17E79C6D8DWNP": "amazon.sa",
}

# X-Space-Notification-Type values.
CONFIRMATION_TYPES = {"BBC_MESSAGE_CONFIRMATION_TO_MERCHANT"}
BUYER_MESSAGE_TYPES = {"BBC_MESSAGE_SENT_TO_MERCHANT"}
NOTICE_TYPES = {
    "BRC_SELLER_NOTIFICATION": NoticeType.CANCELLATION_REQUEST,
    "A_Z_CLAIM_RESPONDENT_NOTIFY": NoticeType.A_TO_Z_CLAIM,
    "RETURN_REQUEST": NoticeType.RETURN_REQUEST,
    "REFUND_ISSUED": NoticeType.REFUND_ISSUED,
    "BUYER_OPTED_OUT_BSM_MESSAGES": NoticeType.MESSAGE_NOT_DELIVERED,
}
# Header values not listed above, by the words in them (Amazon adds variants: A_Z_CLAIM_RESPONDENT_NOTIFY_V2 …);
# a value that tells of an end (a claim closed or withdrawn, a return received) opens no clock: it stays as it is.
NOTICE_TYPE_ENDED = re.compile(
    r"CLOS|WITHDR|RESOLV|RECEIV|COMPLET|CANCELL?ED|DECI|GRANT|DENI|REJECT|REFUNDED", re.I
)
NOTICE_TYPE_WORDS: list[tuple[NoticeType, re.Pattern[str]]] = [
    (NoticeType.A_TO_Z_CLAIM, re.compile(r"^A_?Z_|ATOZ|A_TO_Z", re.I)),
    (NoticeType.CHARGEBACK, re.compile(r"CHARGEBACK|CHARGE_?DISPUTE", re.I)),
    (NoticeType.MESSAGE_NOT_DELIVERED, re.compile(r"OPTED_OUT|UNDELIVER|NOT_DELIVERED", re.I)),
    (NoticeType.RETURN_REQUEST, re.compile(r"RETURN", re.I)),
    (NoticeType.CANCELLATION_REQUEST, re.compile(r"CANCEL", re.I)),
    (NoticeType.REFUND_ISSUED, re.compile(r"REFUND", re.I)),
]


def notice_from_header(value: str) -> NoticeType | str:
    """A notice's kind from its X-Space-Notification-Type: a known value, else by its words, else the value itself."""
    if value in NOTICE_TYPES:
        return NOTICE_TYPES[value]
    if NOTICE_TYPE_ENDED.search(value):
        return value.lower()
    return next((t for t, rx in NOTICE_TYPE_WORDS if rx.search(value)), None) or value.lower()


# Subject wording of notices, for mails without the header (order matters: first match wins).
NOTICE_SUBJECTS: list[tuple[NoticeType, re.Pattern[str]]] = [
    (
        NoticeType.MESSAGE_NOT_DELIVERED,
        re.compile(
            r"not (?:been )?delivered|could not be delivered|opted out|nicht zugestellt|nicht zustellbar|"
            r"n'a pas pu être (?:remis|distribué)|non (?:è stato|può essere) recapitat|no se ha podido entregar",
            re.I,
        ),
    ),
    (
        NoticeType.A_TO_Z_CLAIM,
        re.compile(r"a-to-z|a-z[- ]guarant|a-bis-z|garantie de a à z|dalla a alla z|de la a a la z", re.I),
    ),
    (
        NoticeType.CHARGEBACK,
        re.compile(r"chargeback|rückbuchung|rétrofacturation|riaddebito|contracargo", re.I),
    ),
    (
        NoticeType.CANCELLATION_REQUEST,
        re.compile(
            r"cancel+ation request|requested (?:a )?cancel+ation|stornierungsanfrage|stornierungsantrag|"
            r"demande d'annulation|richiesta di (?:cancellazione|annullamento)|solicitud de cancelación",
            re.I,
        ),
    ),
    (
        NoticeType.RETURN_REQUEST,
        re.compile(
            r"return request|return authori[sz]ation|rücksendeanfrage|rücksendeantrag|rücksendegenehmigung|"
            r"demande de retour|autorisation de retour|richiesta di reso|reso autorizzato|solicitud de devolución|"
            r"autorización de devolución",
            re.I,
        ),
    ),
    (NoticeType.REFUND_ISSUED, re.compile(r"refund|erstattung|remboursement|rimborso|reembolso", re.I)),
]

# The notice's kind in its body, for notices whose header and subject do not say (first match wins): Amazon's own
# sentences, not any mention ("was not delivered" is also a buyer's complaint, "A-to-z" a warning in return notices).
NOTICE_BODIES: list[tuple[NoticeType, re.Pattern[str]]] = [
    (
        NoticeType.MESSAGE_NOT_DELIVERED,
        re.compile(
            r"(?:we were|we are) unable to deliver your (?:message|e-?mail)|your (?:message|e-?mail)\b[^\n]{0,60}?"
            r"\b(?:could not be|was not|has not been) delivered|ihre (?:nachricht|e-?mail)\b[^\n]{0,60}?(?:konnte|wurde) "
            r"nicht zugestellt|votre (?:message|e-?mail)\b[^\n]{0,60}?n'a pas pu être (?:remis|distribué)|"
            r"(?:il (?:tuo|suo|vostro) messaggio|la (?:tua|sua|vostra) e-?mail)\b[^\n]{0,60}?non (?:è stat[oa]|può essere) recapitat|"
            r"(?:tu|su) (?:mensaje|correo)\b[^\n]{0,60}?no se ha podido entregar|"
            r"(?:wiadomość|e-?mail)\b[^\n]{0,80}?nie (?:została|mogła zostać) dostarczon|"
            r"(?:uw|je) (?:bericht|e-?mail)\b[^\n]{0,60}?(?:is niet|kon niet worden) (?:bezorgd|afgeleverd)|"
            r"(?:ditt|ert) meddelande\b[^\n]{0,60}?(?:kunde inte|har inte) (?:levereras|levererats)|"
            r"(?:konnten|können) (?:die|ihre) (?:nachricht|e-?mail)\b[^\n]{0,80}?nicht zustellen|"
            r"メッセージ[^\n]{0,40}?(?:配信|送信|お届け)(?:されませんでした|できませんでした)",
            re.I,
        ),
    ),
    (
        NoticeType.RETURN_REQUEST,
        re.compile(
            r"requested to return|return request|return reason|rücksende(?:antrag|anfrage|grund)|"
            r"demande de retour|motif du retour|richiesta di reso|motivo del reso|solicitud de devolución|"
            r"motivo de la devolución|retourverzoek|retourreden|prośb\w* o zwrot|powód zwrotu|returbegäran|returorsak|"
            r"返品リクエスト|返品理由|pedido de devolução|motivo da devolução",
            re.I,
        ),
    ),
    (
        NoticeType.CANCELLATION_REQUEST,
        re.compile(
            r"requested (?:a |the )?cancel+ation|cancel+ation request|stornierungs(?:anfrage|antrag)|"
            r"demande d'annulation|richiesta di (?:cancellazione|annullamento)|solicitud de cancelación|"
            r"(?:hat|haben) die stornierung\b[^\n]{0,60}?beantragt|a demandé l'annulation|"
            r"ha (?:richiesto|chiesto) (?:la cancellazione|l'annullamento)|ha solicitado (?:la )?cancelación|"
            r"annuleringsverzoek|verzoek (?:tot|om) annulering|prośb\w* o anulowanie|begäran om annullering|"
            r"pedido de cancelamento|キャンセルリクエスト|キャンセル(?:の)?(?:依頼|リクエスト|申請)",
            re.I,
        ),
    ),
    (  # a claim filed, not a mention of the guarantee (return notices warn that a buyer may file one)
        NoticeType.A_TO_Z_CLAIM,
        re.compile(
            r"(?:filed|opened|submitted|received) (?:an? )?a-to-z(?: guarantee)? claim|a-to-z(?: guarantee)? claim "
            r"(?:has been|was) (?:filed|opened|submitted)|a-bis-z-garantie-antrag (?:gestellt|eingereicht)|"
            r"(?:a déposé|a ouvert|a soumis) une réclamation\b[^\n.]{0,40}?garantie (?:de )?a à z|"
            r"(?:ha presentato|ha aperto) un reclamo\b[^\n.]{0,40}?garanzia (?:dalla )?a alla z|"
            r"(?:ha presentado|ha abierto) una reclamación\b[^\n.]{0,40}?garantía de la a a la z|"
            r"(?:antrag|anspruch)\b[^\n.]{0,40}?a-bis-z-garantie (?:gestellt|eingereicht)|"
            r"(?:heeft|hebben) een (?:claim|verzoek)\b[^\n.]{0,40}?a-tot-z-garantie (?:ingediend|ingesteld)|"
            r"złożył\w* (?:wniosek|roszczenie|reklamacj\w*)\b[^\n.]{0,40}?gwarancj\w* od a do z|"
            r"(?:har lämnat in|har gjort) (?:ett )?(?:krav|anspråk)\b[^\n.]{0,40}?a-till-z|"
            r"(?:abriu|apresentou) uma (?:reclamação|reivindicação)\b[^\n.]{0,40}?garantia de a a z|"
            r"(?:a-z|ａ[～~]ｚ|aからz)保証[^\n。]{0,20}?申請",
            re.I,
        ),
    ),
    (
        NoticeType.CHARGEBACK,
        re.compile(
            r"chargeback|charge dispute|rückbuchung|rétrofacturation|riaddebito|contracargo|"
            r"(?:cardholder|card ?issuer|karteninhaber|kartenaussteller|titulaire de la carte|émetteur de la carte|"
            r"titolare della carta|emittente della carta|titular de la tarjeta|emisor de la tarjeta)\b[^\n.]{0,60}?"
            r"(?:disput|contest|reklam|widerspr|beanstand|impugn|reclam)",
            re.I,
        ),
    ),
]

# Where a notice quotes the buyer or a comment: its kind is read only from Amazon's own text above it.
NOTICE_QUOTE = re.compile(
    r"^\s*(?:customer comments?|buyer(?:'s)? (?:comments?|message)|kundenkommentar\w*|kommentar\w*|"
    r"commentaires? (?:du client|de l'acheteur)|commenti (?:del cliente|dell'acquirente)|comentarios? del (?:cliente|comprador)|"
    r"opmerking\w*|komentarz\w*|kommentarer)\s*:",
    re.I | re.M,
)

# The buyer named in a notice's body: a label, Amazon's copy of a reply, the Italian "Gentili <seller> e <buyer>".
NOTICE_BUYER = re.compile(
    r"^\s*(?:buyer(?:'s)? name|customer name|name of (?:the )?(?:buyer|customer)|käufer(?:name)?|name des käufers|"
    r"kundenname|nom de l'acheteur|nom du client|nome (?:dell')?acquirente|nome del cliente|nombre del comprador|"
    r"nombre del cliente|naam van de koper|imię i nazwisko kupującego|köparens namn|kunde|käufer(?:in)?|customer|"
    r"buyer|client|cliente|comprador|klant|koper|kupujący|kund|köpare|購入者(?:名)?)\s*[:：]\s*(?P<name>[^\n]{2,80}?)\s*$"
    r"|copy of the e-?mail (?:that )?you sent to (?P<copy>[^\n.]{2,80}?)\s*[.:]?\s*$"
    r"|^\s*gentili\s+[^\n,]{1,80}\s+e\s+(?P<gentili>[^\n,]{2,60}?)\s*,",
    re.I | re.M,
)

# Amazon's sentence about the buyer ("Amazon customer Kevin Park has requested …"), and a notice's greeting of the
# buyer ("Dear John,", "Gentile Mario,"): tried after the labels, in this order.
NOTICE_BUYER_PHRASE = regex.compile(
    r"\b(?i:(?:amazon[- ])?(?:customer|buyer|kunde|käufer(?:in)?|client(?:e)?|comprador|klant|koper|kupujący|köpare))\s+"
    r"(?P<name>\p{Lu}[\p{L}'’.-]+(?:\s\p{Lu}[\p{L}'’.-]+){0,3})\s+(?:has|hat|a|ha|heeft|har|złożył\w*|poprosił\w*)\s"
)
GREETING = re.compile(
    r"^\s*(?:dear|hello|hi|hallo|liebe[r]?|sehr geehrte[r]?(?: herr| frau)?|bonjour|cher|chère|gentile|gentil[ei]ssim[oa]|"
    r"caro|cara|hola|estimad[oa]|beste|geachte|witaj|hej|hallå|olá|prezad[oa])\s+(?P<name>[^,\n:!;]{2,60}?)\s*[,!:]\s*$",
    re.I | re.M,
)
NOT_A_BUYER = re.compile(
    r"\b(?:seller|sellers|verkäufer\w*|vendeur\w*|venditor\w*|vendedor\w*|verkoper\w*|sprzedaw\w*|säljare|"
    r"partner\w*|customer|kunde|client\w*|team|amazon|sir|madam|damen|herren|mesdames|messieurs|signor[ei]|"
    r"service|support|there|all|everyone|order|bestellung|commande|ordine|pedido|"
    r"gmbh|ltd|llc|inc|shop|store|home|s\.?r\.?l|s\.?l|sarl|sas|b\.?v|ag|kg|ug|ab|oy|e\.?k)\b",
    re.I,
)


NAME_SHAPE = regex.compile(
    r"^\p{Lu}[\p{L}'’.-]*(?:\s+\p{Lu}[\p{L}'’.-]*){0,3}$|^[\p{Han}\p{Hiragana}\p{Katakana}ー・ ]{2,12}$"
)


def plausible_name(text: str | None) -> bool:
    """Whether a text can be a person's name: one to four capitalised words (or a Japanese name), no role or company."""
    return bool(text and NAME_SHAPE.match(text.strip()) and not NOT_A_BUYER.search(text))


def buyer_in_notice(head: str, *, greeting: bool = False) -> str | None:
    """The buyer a notice names: by a label, Amazon's sentence about them, or (`greeting`: a notice written to the
    buyer, such as a refund's) its greeting; never a role, a company or words that are no name."""
    for found in (NOTICE_BUYER.search(head), NOTICE_BUYER_PHRASE.search(head)):
        name = next((g for g in found.groups() if g), None) if found else None
        if plausible_name(name):
            return name
    hello = GREETING.search(head[:400]) if greeting else None
    return hello.group("name") if hello and plausible_name(hello.group("name")) else None


# Older relay templates (HTML tables): a bare "Message:" label on its own line in front of the buyer's words.
LABEL_MARKER = re.compile(
    r"(?:message|nachricht|messaggio|mensaje|mensagem|bericht|meddelande|wiadomość|メッセージ)\s*[:：]", re.I
)

CONFIRMATION_SUBJECT = re.compile(
    r"^\s*(?:your (?:e-?mail|message) to|ihre (?:e-?mail|nachricht) an|votre (?:e-?mail|message) (?:à|a)|"
    r"(?:la tua|il tuo) (?:e-?mail|messaggio) a|tu (?:correo electrónico|e-?mail|mensaje) a)\b",
    re.I,
)

REPLY_PREFIX = re.compile(r"^\s*(?:(?:re|aw|antw|wg|fw|fwd|tr|r|rif|rv|sv|vs)\s*(?:\[\d+\])?\s*:\s*)+", re.I)

# "<Topic> inquiry from Amazon customer <Name> (Order: …)" and its siblings; `name` and `topic` optional.
_ORDER_TAIL = (
    r"(?:\s*[(（](?:order|bestellung|commande|ordine|pedido|bestelling|zamówienie|beställning|注文番号)\s*[:：]?"
    r"[^)）]*[)）])?\s*$"
)
SUBJECTS: list[tuple[str, re.Pattern[str]]] = [
    ("en", re.compile(r"^(?P<topic>.+?) inquiry from Amazon customer (?P<name>.+?)" + _ORDER_TAIL, re.I)),
    (
        "en",
        re.compile(r"^(?:message|inquiry|question) from Amazon customer (?P<name>.+?)" + _ORDER_TAIL, re.I),
    ),
    (
        "de",
        re.compile(
            r"^(?:(?P<topic>.+?)[- ]?)?(?:anfrage|frage|nachricht) (?:von|des) Amazon[- ]Kunden? (?P<name>.+?)"
            + _ORDER_TAIL,
            re.I,
        ),
    ),
    (
        "fr",
        re.compile(
            r"^(?:(?:demande|question|message)(?: de renseignements)?(?: (?:concernant|sur) (?P<topic>.+?))? "
            r"(?:de la part )?(?:du|de la) client(?:e)? Amazon (?P<name>.+?))" + _ORDER_TAIL,
            re.I,
        ),
    ),
    (
        "it",
        re.compile(
            r"^(?:(?:richiesta|domanda|messaggio)(?: (?:su|relativa a) (?P<topic>.+?))? "
            r"(?:dal|del|da) cliente Amazon (?P<name>.+?))" + _ORDER_TAIL,
            re.I,
        ),
    ),
    ("it", re.compile(r"^messaggio (?:dall'|dall’)acquirente(?: (?P<name>.+?))?" + _ORDER_TAIL, re.I)),
    (
        "es",
        re.compile(
            r"^(?:(?:consulta|pregunta|mensaje)(?: (?:sobre|acerca de) (?P<topic>.+?))? "
            r"(?:del|de) cliente de Amazon (?P<name>.+?))" + _ORDER_TAIL,
            re.I,
        ),
    ),
]

# Any other "<what> from Amazon customer <Name> (Order: …)", notices' subjects too, in each marketplace's language.
SUBJECTS += [
    (lang, re.compile(rf"^(?P<topic>.+?)\s+{words}\s+(?P<name>.+?)" + _ORDER_TAIL, re.I))
    for lang, words in (
        ("en", r"from (?:the )?Amazon customer"),
        ("de", r"(?:von|vom|des) Amazon[- ]Kunden?"),
        ("fr", r"(?:de la part )?(?:du|de la) client(?:e)? Amazon"),
        ("it", r"(?:dal|del|da) cliente Amazon"),
        ("es", r"(?:del|de) cliente de Amazon"),
        ("nl", r"van (?:de )?Amazon[- ]klant"),
        ("pl", r"od klienta Amazon"),
        ("sv", r"från Amazon[- ]kunden"),
        ("pt", r"do cliente (?:da )?Amazon"),
    )
]
SUBJECTS.append(
    (
        "ja",
        re.compile(
            r"^Amazon(?:\.co\.jp)?\s*のお客様\s*(?P<name>.+?)\s*様から(?:の)?(?P<topic>[^(（]*?)"
            + _ORDER_TAIL
        ),
    )
)

# The display name of the relay sender: "Jane Doe - Amazon Marketplace" (and translations).
SENDER_NAME = re.compile(
    r"^\s*(?P<name>.+?)\s+(?:-|–|via)\s+(?:Amazon(?: Marketplace)?|Marketplace Amazon)\s*$", re.I
)

# Marker lines: a label between runs of dashes (or = _ *), quote characters allowed in front.
MARKER = re.compile(r"^[-=_*]{3,}\s*(?P<label>[^\n]{1,80}?)\s*[-=_*]{3,}\s*$")
MARKER_CLOSE = re.compile(r"\b(?:end|ende|fin|fine|finalizar|encerrar|einde|slut|koniec|終了)\b", re.I)
MARKER_OPEN = re.compile(
    r"(?:message|begin|nachricht|anfang|début|debut|messaggio|inizio|iniciar|mensaje|mensagem|bericht|"
    r"meddelande|wiadomość|メッセージ)",
    re.I,
)
HISTORY_LABEL = re.compile(
    r"original|ursprüngliche|weitergeleitet|forwarded|d'origine|originale|reenviado|inoltrato", re.I
)

# A line that starts quoted history in a reply written in a mail client.
REPLY_HEADER = re.compile(
    r"^(?:on .{4,200} wrote:|am .{4,200} schrieb .{1,200}:|le .{4,200} a écrit ?:|il .{4,200} ha scritto:|"
    r"el .{4,200} escribió:|op .{4,200} schreef .{1,200}:|-{2,}\s*(?:original message|ursprüngliche nachricht|"
    r"message d'origine|messaggio originale|mensaje original)\s*-{2,})$",
    re.I,
)
# Outlook-style quoted header block: "From: …" followed closely by "Sent: …".
HEADER_BLOCK_FROM = re.compile(r"^(?:from|von|de|da|van)\s*:\s*\S", re.I)
HEADER_BLOCK_SENT = re.compile(r"^(?:sent|gesendet|envoyé|inviato|enviado|date|datum|verzonden)\s*:", re.I)

# Amazon's own lines around the buyer's text.
BOILERPLATE = re.compile(
    r"^(?:(?:order id|order|order number|bestellnummer|bestellung|n° de commande|numéro de commande|"
    r"commande|ordine|numero (?:d'|dell')?ordine|n\.? ?de pedido|número de pedido|pedido)\s*[:#]?\s*\d{3}-\d{7}-\d{7}.*"
    r"|\d+ (?:of|von|sur|di|de)\s.+|\[?asin\s*:?.*|(?:item|artikel|article|articolo|artículo|artigo|quantity|"
    r"menge|anzahl|quantité|quantità|cantidad|condition|zustand|état|condizione|estado|sku|price|preis|prix|"
    r"prezzo|precio)\s*:.*"
    r"|you have (?:received|a) (?:a )?message.*|.*has sent you a message.*|"
    r"sie haben eine (?:neue )?nachricht.*|.*hat ihnen eine nachricht gesendet.*|vous avez reçu un (?:nouveau )?message.*|"
    r"hai ricevuto un (?:nuovo )?messaggio.*|has recibido un (?:nuevo )?mensaje.*|"
    r"(?:dear|sehr geehrte[r]?|liebe[r]?|cher|chère|gentile|estimado) (?:seller|verkäufer(?:in)?|vendeur|venditore|vendedor),?"
    r"|amazon (?:marketplace|customer|kunde|client|cliente)\s*:?.*)$",
    re.I,
)
FOOTER = re.compile(
    r"^(?:for your information|was this e-?mail helpful|resolve case|if you believe this message|"
    r"to help arrive at the best solution|copyright|©|amazon\.com, inc|"
    r"zur information|war diese e-?mail hilfreich|fall lösen|wenn sie der meinung sind|"
    r"pour information|cet e-?mail vous a-t-il été utile|résoudre le cas|"
    r"per tua informazione|questa e-?mail ti è stata utile|risolvi il caso|"
    r"para tu información|¿?te ha resultado útil|resolver el caso|"
    r"no response needed|keine antwort erforderlich|aucune réponse (?:n'est )?nécessaire|"
    r"nessuna risposta necessaria|no es necesario responder|[^\n]{0,20}「返信不要」)",
    re.I,
)
# Where a notice's footer starts (never applied to a buyer's words, who may write "please do not reply to this …"):
# a notification-only sender's lines and Amazon's legal lines, in the marketplaces' languages.
NOTICE_FOOTER = re.compile(
    r"^(?:(?:please note|note|hinweis|bitte beachten sie|remarque|nota|obs|uwaga|let op)\s*[:：]?\s*)?"
    r"(?:(?:this|the) (?:e-?mail|message) (?:was|is|has been) sent from a (?:notification-only|no-?reply)|"
    r"please do not reply to this|diese e-?mail wurde von einer|bitte antworten sie nicht auf diese|"
    r"cet e-?mail a été envoyé (?:depuis|à partir d)|merci de ne pas répondre à|questa e-?mail è stata inviata da|"
    r"si prega di non rispondere|este (?:mensaje|correo(?: electrónico)?) se ha enviado desde|por favor,? no respondas|"
    r"deze e-?mail is verzonden vanaf|ta wiadomość (?:e-?mail )?została wysłana z|detta e-?postmeddelande skickades från|"
    r"este e-?mail foi enviado|このeメールアドレスは配信専用|amazon eu s\.?à r\.?l|amazon uk services|"
    r"amazon services (?:europe|llc)|amazon\.com services|アマゾンジャパン)",
    re.I,
)

# The closing of a notice: Amazon's signature follows it (a line or two), then only its footer.
SIGN_OFF = re.compile(
    r"^(?:(?:kind|best|warm) regards|regards|sincerely|thank you|thanks|mit freundlichen grüßen|freundliche grüße|"
    r"viele grüße|cordialement|bien cordialement|cordiali saluti|distinti saluti|atentamente|saludos(?: cordiales)?|"
    r"met vriendelijke groet(?:en)?|z poważaniem|pozdrawiamy|med vänlig(?:a)? hälsning(?:ar)?|atenciosamente|"
    r"敬具|よろしくお願いいたします)[,.!]?$",
    re.I,
)

NO_RESPONSE_LINK = re.compile(r"https?://[^\s\"'<>()]*no-?response-?needed[^\s\"'<>()]*", re.I)
