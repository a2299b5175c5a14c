"""More wording the guard refuses, by rule: Brazilian Portuguese and Japanese (the templates' ninth and tenth
languages), and phrasings every language shares (telling other buyers, sharing impressions "of us on Amazon", solving
it outside Amazon, a gift for withdrawing a claim). Patterns read the lower-cased text, like bot/replies/wording.py's;
the Policy applies them after the wording rules (`extra_words`)."""

from __future__ import annotations

import logging
import re

log = logging.getLogger(__name__)

_ASK_PT = (
    r"\b(?:poderia|pode|podia|se puder|se gostar|ficar[ií]amos|agradecer[ií]amos|agradecemos se|ajude-nos|nos ajude|"
    r"por favor|favor)\b"
)
# the request's object: the rating itself, not "avaliar o dano" (judging the damage) or "um comentário" in a form
_RATE_PT = (  # rating the shop, the product or the purchase (not "avaliar o dano", "avalie o produto com cuidado")
    r"(?:avaliar-nos|avali(?:e|ar|em)\s+(?:(?:a|o|nossa|nosso|sua|seu|este|esta)\s+)?(?:loja|produto|compra|vendedor|"
    r"experi[êe]ncia|atendimento|pedido)\b(?![^.!?\n]{0,20}\bcom (?:cuidado|aten[çc][ãa]o))|"
    r"\b(?:[1-5]|cinco|quatro) estrel\w*|estrelinhas?|nota (?:5|10|cinco|dez|m[áa]xima)\b|"
    r"avalia[çc][ãa]o (?:positiva|m[áa]xima|de [1-5]|com [1-5]|5 estrelas))"
)
_REVIEW_PT = rf"(?:{_RATE_PT}|avalia[çc][ãa]o(?! t[ée]cnica)|avalia[çc][õo]es)"
_OPINION_PT = rf"(?:{_REVIEW_PT}|opini[ãa]o|coment[áa]rio)"
_GIFT = (
    r"(?:\b(?:gratis|grátis|de gra[çc]a|brinde|free|kostenlos|gratuit\w*|omaggio|regalo|cadeau|prezent\w*|"
    r"present|geschenk\w*|gutschein\w*|voucher|bon d'achat|buono|regal\w*)\b|無料|プレゼント|進呈)"
)
# what is given up for the gift: a claim, a review, a complaint (not a parcel or an order)
_CLAIMED = (  # a word of its own (no \b: the Japanese ones sit between other letters)
    r"(?<![a-zà-ÿ])(?:claim|complaint|roszczeni\w*|litige|contestazione|anspråk|a-?to-?z|a-?bis-?z|réclamation|reclama[çc][ãa]o|reclamación|reclamo|richiesta|antrag|"
    r"anspruch|garantie\w*|garantia|garantía|garanzia|chargeback|rückbuchung|dispute|disputa|beschwerde|klacht|"
    r"reklamacj\w*|reklamation|review|bewertung|avis|évaluation|recensione|valutazione|reseña|avalia[çc][ãa]o|"
    r"recensie|beoordeling|opini\w*|omdöme|申請|クレーム|評価|レビュー)(?:s|en|e|i|es)?(?![a-zà-ÿ])"
)
_REGARDLESS = (
    r"(?:trotzdem|ohnehin|dennoch|anyway|regardless|still|nevertheless|quand même|de toute façon|en tout cas|"
    r"comunque|in ogni caso|igualmente|de todas formas|en todo caso|mesmo assim|de qualquer forma|toch|ändå|i tak)"
)
_IF = (  # the condition a gift is bound to
    r"\b(?:if|once|as soon as|provided|wenn|falls|sobald|si|dès que|une fois que|se|qualora|non appena|en cuanto|"
    r"als|zodra|indien|jeśli|jeżeli|gdy|om|när|så snart|caso|desde que|assim que)\b"
)
_WITHDRAW = (
    r"(?:intrek\w*|retir\w*|ritir\w*|cancel\w*|zur[üu]ckzieh\w*|wycofa\w*|drar tillbaka|withdraw\w*|annul\w*|"
    r"chiud\w*|schlie[ßs]en|close)"
)
# a character of the condition while it is the buyer's doing: not "we close it", not "if your claim is approved"
_BUYERS = (
    r"(?:(?!\b(?:we|we'll|wir|nous|noi|nosotros|nós|wij|vi|my|approved|justified|accepted|valid|berechtigt|genehmigt|"
    r"anerkannt|fondée?|acceptée?|giustificat\w*|accolt\w*|justificad\w*|procedente|aprovad\w*|aceit\w*|gegrond|"
    r"goedgekeurd|uzasadnion\w*|godkän\w*|befogad)\b)[^.!?\n])"
)
# paying the seller directly instead of through Amazon
_PAY_BY = (
    r"(?:paypal|bizum|(?:via|met|per|mit|with|por|par) ideal|tikkie|swish\w*|blik\w*|boleto|pix|postepay|iban|"
    r"virement|bonifico|transferencia|überweisung|banköverföring|przelew\w*|overboeking|revolut|venmo|zelle|cash app|"
    r"(?:votre|notre|un|le|mon) rib)"
)
_PAYING = (
    r"(?:pay|paying|paid|payment|zahl\w*|bezahl\w*|überweis\w*|schick\w*|régl\w*|pag\w*|betal\w*|zapłac\w*|"
    r"przesła\w*|swisha|ricaric\w*)"
)
# paid to whom: the seller ("us", "our account"), not Amazon
_TO_US = (
    r"(?:us|uns|nous|ci|noi|nos|nosotros|ons|nas|oss|nós|a gente|our|unser\w*|notre|nostr[oa]|nuestr[oa]|onze|"
    r"nasz\w*|vår\w*|noss[oa]|\w+nos|\w+lo|directly|direkt|directement|direttamente|directamente|rechtstreeks|"
    r"bezpośrednio|direto)"
)
_IN_RETURN = (
    r"\b(?:in return|in exchange|im gegenzug|dafür|en échange|en retour|in cambio|a cambio|em troca|em retribui[çc][ãa]o|"
    r"in ruil|w zamian|i utbyte|i gengäld)\b"
)
_NEGATION = (  # not "no" (Portuguese "in the") nor "ne" (French needs its "pas" anyway)
    r"(?:not|never|nor|\w+n['’]t|nicht|nichts|nie|kein\w*|niemals|weder|pas|jamais|non|mai|nunca|não|nem|ni|ani|niet|"
    r"geen|nooit|noch|inte|aldrig)"
)
# money or an offer in the same sentence: what makes closing a claim an incentive (not "so the claim can be closed")
CLAIM_WORD = re.compile(
    r"claim|reklamation|anspruch|antrag|réclamation|richiesta|reclamación|roszczenie|a-?to-?z|a-bis-z|a-tot-z|"
    r"reclamo|reclami|garanzia|garantía|a alla z|a à z|a a la z|reclamação|reivindicação|a a z"
)
MONEY = re.compile(
    r"€|\$|£|zł|\bkr\b|euro|pounds?|dollars?|kronor|złot|refund|erstatt|rembours|rimbors|reembols|terugbet|terugstort|"
    r"zwr[oó]c|återbetal|geste|\boffer|bieten|überweis|offrons|offriamo|ofrecemos|transferencia|bieden|oferujemy|"
    r"erbjuder|sätter vi in|\bsend you\b.{0,20}\d|\bgift|geschenk|cadeau|\bregalo|omaggio|prezent"
)
CONDITION = re.compile(
    r"\b(?:if|once|as soon as|provided|in return|wenn|sobald|falls|dafür|im gegenzug|si|dès que|une fois|se|"
    r"non appena|una volta|"
    r"cuando|en cuanto|una vez|als|zodra|jeśli|jezeli|jeżeli|gdy|o ile|om|så fort|när)\b"
)


# Amazon's own gift cards and coupons (a refund to the gift card balance, a coupon clipped on the product page): the
# word Amazon right before or after the gift card or coupon itself
AMAZON_BEFORE = re.compile(r"amazon[\s-]*(?:'s\s+)?$")
AMAZON_AFTER = re.compile(
    r"^[\s-]*(?:(?:de|d'|di|del|do|da|van|von)\s*)?amazon|^[\s-]*(?:balance|saldo|guthaben|solde)"
)


# a review the buyer mentioned or read: the seller answers about it, asks for nothing
_REVIEWS = (
    r"(?:\w*rezension|bewertung|review|reseña|avis|recensione|recensie|opini\w*|recension|avalia[çc][ãa]o|ocen\w*|"
    r"omdöme|レビュー)"
)
MENTIONED = re.compile(
    rf"{_REVIEWS}\w*,?\s+(?:\w+\s+){{0,3}}?(?:(?:die|das) sie (?:\w+ )?erwähn|you (?:\w+ )?mention|(?:que|qu') ?"
    r"(?:usted |vous |você |o senhor |a senhora )?(?:menciona|mentionn)|che (?:lei )?(?:ha )?menziona|"
    r"die u (?:\w+ )?noem|któr\w* pan\w* wspomina|som du nämn)|(?:hemos leído|we have read|we read|abbiamo letto|"
    rf"nous avons lu|wir haben|lemos) (?:\w+ ){{0,2}}{_REVIEWS}"
)


def _not_ours(read: str, hit: re.Match[str]) -> bool:
    """Whether an opt-out is from the seller's messages: not one in a sentence about an app or Subscribe & Save."""
    sentence = sentence_of(read, hit)
    return not NOT_OUR_MESSAGES.search(sentence) or bool(OUR_MESSAGES.search(sentence))


def amazons_own(read: str, hit: re.Match[str]) -> bool:
    """Whether a gift card or coupon the wording rules found is Amazon's own ("Amazon gift card", "vale-presente
    Amazon") in a sentence that explains a refund or a coupon on Amazon's page — never one the seller gives."""
    if not (
        AMAZON_BEFORE.search(read[max(0, hit.start() - 12) : hit.start()])
        or AMAZON_AFTER.match(read[hit.end() : hit.end() + 16])
    ):
        return False
    sentence = sentence_of(read, hit)
    return bool(EXPLAINED.search(sentence)) and not OFFERED.search(sentence)


def sentence_of(read: str, hit: re.Match[str], stops: str = ".!?\n。") -> str:
    """The sentence around a match: from the stop before it to the stop after it."""
    start = max(read.rfind(c, 0, hit.start()) for c in stops) + 1
    ends = [i for i in (read.find(c, hit.end()) for c in stops) if i >= 0]
    return read[start : min(ends) if ends else len(read)]


EXPLAINED = re.compile(
    r"refund|erstatt|rembours|rimbors|reembols|terugbet|zwrot|zwróc|återbetal|返金|balance|saldo|guthaben|solde|"
    r"cr[ée]dit\w*|gutschrift|avoir|tegoed|"
    r"clip|checkout|kasse|paiement|pagamento|pago|page (?:du )?produit|product page|produktseite|paid|bezahlt|payé|"
    r"pagó|pagou|betaald|zapłac|betalade"
)
OFFERED = re.compile(
    r"\b(?:we(?:'ll| will)? (?:send|give|offer|add)|send you|wir (?:legen|schenken|senden|schicken)|beilegen|"
    r"nous (?:vous )?offr|vous offr|offriamo|regaliamo|le (?:enviamos|regalamos)|ofrecemos|wij geven|dajemy|"
    r"bjuder|enviamos|mandamos|next (?:order|purchase)|nächste\w* bestellung|prochaine commande|if|wenn|falls|si|se|"
    r"als|om|jeśli)\b|お送り|差し上げ|進呈|お詫び"
)


# ...unless the sentence is about the seller's own messages after all ("reply STOP … or in your account settings")
OUR_MESSAGES = re.compile(
    r"\bstop\b|our messages|unsere\w* nachrichten|nos messages|i nostri messaggi|nuestros mensajes|onze berichten|"
    r"nasze wiadomości|våra meddelanden|nossas mensagens|newsletter|parar\b|sair\b"
)
# turning off an app's notifications, or leaving Amazon's Subscribe & Save: not the seller's messages
NOT_OUR_MESSAGES = re.compile(
    r"\bapp\b|applica|aplicaci|einstellungen|réglages|impostazioni|ajustes|instellingen|ustawienia|inställningar|"
    r"configura[çc]|settings|subscribe ?& ?save|spar-abo|\babonnez-vous et économisez|iscriviti e risparmia|"
    r"suscr[íi]bete y ahorra|abonneer ?& ?bespaar|subskrybuj i oszczędzaj|prenumerera och spara|assine e economize|"
    r"定期おトク便"
)


def claim_counts(rule: str, read: str, hit: re.Match[str]) -> bool:
    """Whether a match of the wording rules is a finding: closing a claim is an incentive only when money or an offer
    is its price; Amazon's own gift card or coupon is none; an app's notifications are not the seller's messages."""
    if rule == "incentive" and not CLAIM_WORD.search(hit.group(0)) and amazons_own(read, hit):
        return False  # "refunded to your Amazon gift card balance", "it is an Amazon coupon"
    if rule == "opt_out":
        return _not_ours(read, hit)
    if rule != "incentive" or not CLAIM_WORD.search(hit.group(0)):
        return True
    sentence = sentence_of(read, hit, ".!?")
    return bool(MONEY.search(sentence) and CONDITION.search(sentence))


UNLESS_NEGATED = (
    "(?#unless negated)"  # a pattern starting so is no finding after a negation a few words before it
)
NEGATED = re.compile(rf"\b{_NEGATION}\b")
REASSURING = re.compile(
    r"\b(?:no problem|no worries|don'?t worry|kein problem|keine sorge|pas de (?:souci|problème)|ne vous inquiétez pas|"
    r"nessun problema|non si preoccupi|no se preocupe|ningún problema|sin problema|geen probleem|geen zorgen|"
    r"inget problem|ingen fara|não se preocupe|sem problema|nie martw\w* się|bez problemu|kein thema|"
    r"ningún inconveniente|no hay (?:ningún )?(?:problema|inconveniente)|nie ma problemu|pas de problème|"
    r"nessun problema|geen punt)\b"
)
_CONDITION_WORDS = re.compile(
    r"(?:if|wenn|falls|si|se|als|om|jeśli|jeżeli|caso|qualora|unless|außer|sauf|salvo|tenzij|såvida|chyba)"
)


TO_US = re.compile(rf"\b{_TO_US}\b")


def _negated(words: list[str], *, portuguese: bool = False) -> bool:
    """Whether a negation among `words` governs what follows: not one in an if-clause ("if you don't want to wait,
    pay us …"), not "why not …" (a suggestion), not Portuguese "no" ("pagar no Pix": "in the")."""
    for n, word in enumerate(words):
        if not (NEGATED.fullmatch(word) or (word == "no" and not portuguese)) or words[n - 1 : n] == ["why"]:
            continue
        if any(_CONDITION_WORDS.fullmatch(w) for w in words[max(0, n - 4) : n]):
            continue
        return True
    return False


UNLESS_WARNING = "(?#unless a warning)"  # no finding in a sentence that warns ("we never ask for a transfer")
PAID_TO_US = (
    "(?#paid to us)"  # ...and only when the sentence names the seller as the one paid ("uns", "our account")
)
SCAM = re.compile(
    r"in (?:unserem|our|onze) na(?:me|am)|en (?:notre|nuestro) nom|a nome nostro|w naszym imieniu|i vårt namn|"
    r"em nosso nome|verdächtig|suspicious|sospett|sospechos|fraud|betrug|arnaque|truffa|estafa|oplichting|oszust|"
    r"bedrägeri|golpe|一切|名乗る|お願いすることは(?:ございません|ありません)"
)
# Amazon paying the refund (to the card, the bank account of a cash-on-delivery order): Amazon's, not the seller's
AMAZON_PAYS = re.compile(
    r"amazon[^.!?;\n。]{0,40}(?:refund|reembols|zwr[oó]c|rembours|rimbors|erstatt|terugbeta|återbetal|返金)|"
    r"(?:refund|reembolso|zwrot|remboursement|rimborso|erstattung|返金)[^.!?;\n。]{0,30}amazon"
)


def stands(rule: str, pattern: re.Pattern[str], read: str, hit: re.Match[str]) -> bool:
    """Whether a match of an extra pattern is a finding: "do not pay outside Amazon" is the opposite advice; leaving
    Subscribe & Save or an app's notifications is not opting out of the seller's messages."""
    if rule == "opt_out":
        return _not_ours(read, hit)
    if pattern.pattern.startswith(UNLESS_WARNING):  # a warning against it, or Amazon paying: no finding
        sentence = REASSURING.sub(" ", sentence_of(read, hit, ".!?;\n。"))
        words = re.findall(r"[\w'’]+", sentence)
        if PAID_TO_US in pattern.pattern and not TO_US.search(sentence):
            return False
        return not (SCAM.search(sentence) or AMAZON_PAYS.search(sentence) or _negated(words))
    if not pattern.pattern.startswith(UNLESS_NEGATED):
        return True
    start = max(read.rfind(c, 0, hit.start()) for c in ".!?;:\n") + 1
    clause = REASSURING.sub(
        " ", read[start : hit.start()]
    )  # "no problem, we settle it outside Amazon" is no "no"
    before = re.findall(r"[\w'’]+", clause)[-10:]  # the ten words before it, in its sentence
    return not _negated(before, portuguese=hit.group(0).lstrip().startswith("fora"))


MORE_WORDS: dict[str, tuple[str, ...]] = {
    "review_request": (
        rf"{_ASK_PT}[^.!?\n]{{0,80}}\b{_RATE_PT}",
        r"\bavalie\s+(?:(?:a|o|nossa|nosso)\s+)?(?:loja|produto|compra|vendedor)\b(?![^.!?\n]{0,20}\bcom (?:cuidado|aten))",
        rf"\b(?:deix\w*|escrev\w*|compartilh\w*|publiqu\w*|dê|umas)\b[^.!?\n]{{0,40}}\b{_OPINION_PT}",
        r"\bumas? estrelinhas?\b",
        # telling other buyers how it went, in every language
        r"\b(?:tell|racont\w*|raccont\w*|cuént\w*|cuent[ae]n?|conta|conte|contem|vertel\w*|laten weten|opowiedz\w*|"
        r"berätta\w*|erzähl\w*)\b(?:\s+(?!(?:us|uns|nous|noi|ci|nos|ons|oss|nam|whether|if|ob|si|se|of|om|czy)\b)"
        r"[^\s.!?]+){0,4}?\s+(?:other|les autres|autres|altri|otros|outros|anderen?|innym|andra)\s+"
        r"(?:buyers|customers|shoppers|acheteurs|clients|clienti|acquirenti|compradores|clientes|kopers|klanten|"
        r"kupującym|klientom|köpare|kunder|käufer\w*|kunden)",
        # sharing impressions or opinion "of us / our shop on Amazon"
        r"\b(?:share|partagez|partager|condivid\w*|compart\w*|compartilh\w*|deel|podziel\w*|dela)\b[^.!?\n]{0,40}"
        r"\b(?:thoughts|opinion|impressions?|ressenti|avis|opinione|parere|opinión|opini[ãa]o|mening|indruk\w*|"
        r"wrażeni\w*|intryck|eindr[üu]ck\w*|erfahrung\w*|experience|expérience|esperienza|experiencia|experiência|"
        r"ervaring|doświadczeni\w*|upplevelse)\b[^.!?\n]{0,60}\b(?:amazon\w*|(?:other|autres|altri|otros|outros|"
        r"andere\w*|innym\w*|andra) \w+)",
        r"\blasci\w*\b[^.!?\n]{0,30}\b(?:opinione|parere|giudizio)\b[^.!?\n]{0,40}\b(?:noi|amazon)",
        r"\bpuntu\w*\b[^.!?\n]{0,40}\bestrellas\b|\bestrellas\b[^.!?\n]{0,40}\bpágina del (?:artículo|producto)",
        r"(?:レビュー|星の評価|高評価|感想|口コミ)[^。！？\n]{0,30}(?:投稿|お願い|いただけ|頂け|ください|下さい|"
        r"幸い|助か|励み|お聞かせ|削除|変更)",
        r"評価(?:を|の)?(?:投稿|お願い|いただけ|頂け|ください|下さい|お聞かせ|削除|変更|見直|して(?:いただけ|ください|下さい))",
        r"他のお客様に[^。！？\n]{0,30}(?:お伝え|伝え)",
    ),
    "incentive": (
        rf"\b{_REVIEW_PT}[^.!?\n]{{0,100}}(?:de gra[çc]a|grátis|brinde|devolv\w*|reembols\w*|r\$ ?\d)",
        rf"(?:de gra[çc]a|brinde|r\$ ?\d[\d.,]*|devolvemos|reembols\w*)[^.!?\n]{{0,100}}\b(?:mudar|apagar|excluir|"
        rf"remover|retirar|alterar|cancelar)\b[^.!?\n]{{0,40}}(?:{_OPINION_PT}|reclama[çc][ãa]o|garantia)",
        r"(?:レビュー|評価|申請|クレーム)[^。\n]{0,60}(?:取り下げ|削除|見直|変更|投稿|書いて)[^。\n]{0,60}"
        r"(?:返金|無料|プレゼント|お送り|進呈|差し上げ)",
        r"(?:高評価|レビュー)[^。\n]{0,20}(?:お礼|御礼)[^。\n]{0,40}(?:無料|プレゼント|進呈)",
        # a gift on condition that a claim is withdrawn (the money alone is caught by the wording rules)
        rf"{_IF}{_BUYERS}{{0,60}}?{_CLAIMED}{_BUYERS}{{0,30}}{_WITHDRAW}"
        rf"(?![^.!?\n]{{0,100}}{_REGARDLESS})(?=[^.!?\n]{{0,100}}{_GIFT})",
        rf"{_IF}{_BUYERS}{{0,40}}?\b{_WITHDRAW}\b[^.!?\n]{{0,30}}{_CLAIMED}(?![^.!?\n]{{0,100}}{_REGARDLESS})"
        rf"(?=[^.!?\n]{{0,100}}{_GIFT})",
        rf"\b(?:intrek\w*|retir\w*|cancel\w*|zur[üu]ckzieh\w*|wycofa\w*|drar tillbaka|withdraw\w*|annul\w*|"
        rf"close)\b[^.!?\n]{{0,30}}{_CLAIMED}[^.!?\n]{{0,60}}{_IN_RETURN}(?=[^.!?\n]{{0,100}}{_GIFT})",
    ),
    "off_amazon_contact": (
        r"\b(?:mercado ?livre|shopee|magalu|americanas\.com|olx|loja f[íi]sica|nosso site|whatsapp|zap ?zap)\b",
        r"楽天|メルカリ|ヤフオク|yahoo!?ショッピング|実店舗|公式サイト|当店サイト|line公式|lineで|\bline ?id(?![a-z])|インスタ",
        rf"{UNLESS_NEGATED}\b(?:outside (?:of )?amazon|außerhalb (?:von )?amazon|hors d'amazon|en dehors d'amazon|"
        r"al di fuori di amazon|fuori da amazon|fuera de amazon|fora da amazon|buiten amazon|poza amazon\w*|"
        r"utanför amazon)\b",
        r"amazonを通さず",
        # paying the seller directly: a payment service or a bank transfer with a paying verb, not said as a warning
        rf"{UNLESS_WARNING}{PAID_TO_US}(?:\bswisha\w*\b|\bblik-?iem\b|\b{_PAY_BY}\b(?=[^.!?;\n]{{0,100}}\b{_PAYING})|"
        rf"\b{_PAYING}\b[^.!?;\n]{{0,100}}\b{_PAY_BY}\b)",
        rf"{UNLESS_WARNING}(?:口座|銀行)[^。\n]{{0,30}}(?:お?振込|お?振り込)|(?:お?振込|お?振り込)[^。\n]{{0,20}}(?:口座|先)",
        # messengers and social networks named as a way to reach the seller
        r"\b(?:insta|instagram|facebook|messenger|tiktok|telegram|wechat|kakao ?talk|snapchat)\b|カカオトーク|"
        r"\bline\b[^.!?\n]{0,20}\bid\b",
        # a QR code or a card in the parcel that leads to the seller's own site
        r"\bqr[- ]?cod\w*\b(?![^.!?\n]{0,160}(?:amazon|rücksend|retoure|return|retour|reso\b|devoluci|devolu[çc]|zwrot|"
        r"retur))[^.!?\n]{0,120}\b(?:registr\w*|activ\w*|attiv\w*|aktiv\w*|anmeld\w*|découvr\w*|scopr\w*|descubr\w*|"
        r"entdeck\w*|(?:our|unser\w*|notre|nostro|nuestr[oa]|onze|nasz\w*|vår\w*|noss[oa])\s+(?:\w+\s+)?(?:site|seite|"
        r"sito|sitio|website|webshop)|offres|offerte|ofertas|angebot\w*)",
        r"\b(?:our|unser\w*|notre|nostro|nostra|nuestra|nuestro|onze|nasz\w*|vår|vårt|nossa|nosso)\s+(?:own\s+)?"
        r"(?:e-?shop|webshop|online-?shop|online store|web ?store|website|webbutik|sklep internetowy|tienda online|"
        r"boutique en ligne|loja online|negozio online|sito|sitio web|site)\b",
    ),
    "marketing": (
        r"\bblack friday\b|\bpromo[çc][ãa]o\b|\bat[ée] \d+ ?% de desconto|\bliquida[çc][ãa]o\b|\bnossa nova (?:linha|"
        r"cole[çc][ãa]o)\b",
        r"(?:セール|新商品|新作|キャンペーン)[^。！？\n]{0,20}(?:のご案内|のお知らせ|を開催|開催中|実施中|ご覧|お見逃し|"
        r"チェック|お楽しみ|入荷しました|発売しました|新発売|発売開始|を実施)|(?:セール|キャンペーン)(?:中です|です|中)[。！!]|"
        r"最大\d+[%％]オフ",
        r"\bstorefront\b|\bamazon[- ]store\b|【新商品|新モデルを発売",
        r"\b(?:launch\w*|lanceren|lanciamo|lanzamos|lançamos|lancez|lancieren|wprowadzamy|lanserar)\b[^.!?\n]{0,40}"
        r"\b(?:new|nieuwe|nuova|nueva|nova|nouvelle|neue\w*|now\w*|nya)\b",
        r"\b(?:new|nieuwe|nuova|nueva|nova|nouvelle|neue|nową|nya)\s+(?:range|line|lijn|linea|línea|linha|gamme|"
        r"kollektion|collection|colección|coleção|collezione|kolekcj\w*|kollektion)\b[^.!?\n]{0,80}"
        r"(?:\d+ ?%|search|zoek|cerca|busca|cherchez|suche|szukać|sök|amazon)",
    ),
    "opt_out": (
        r"\bresponda (?:sair|parar|pare|stop|baja)\b|\bdescadastr\w*|\bn[ãa]o quer mais receber\b|\bdarse de baja\b|"
        r"\bno quiere recibir más\b|\bn[ãa]o (?:quer|queira|deseja|desejar) mais receber\b|\b(?:digitar|digite|envie|"
        r"responda|responder) (?:parar|pare|sair)\b",
        r"配信停止|配信不要|今後のご連絡が不要|受信を希望されない|配信を希望されない|今後お送りいたしません",
    ),
    "email_address": (
        r"(?<![\w.])[\w.]+\s*(?:\(\s*arroba\s*\)|\barroba\b|アットマーク|あっとまーく)\s*[\w-]+\s*(?:\(\s*ponto\s*\)|\bponto\b|ドット|\.)"
        r"\s*(?:com|net|org|br|jp|co)\b",
    ),
}
