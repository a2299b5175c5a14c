"""More wording the guard refuses, by rule: Brazilian Portuguese and Japanese (the templates' ninth and tenth
languages), and phrasings every language shares (telling other buyers, sharing impressions "of us on Amazon", solving
it outside Amazon, a gift for withdrawing a claim). Patterns read the lower-cased text, like bot/replies/wording.py's;
the Policy applies them after the wording rules (`extra_words`)."""

from __future__ import annotations

import logging

log = logging.getLogger(__name__)

_ASK_PT = r"(?:poderia|pode|podia|se puder|se gostar|por favor|favor|ajuda\w*|agradece\w*|ficar[ií]amos)"
_REVIEW_PT = (
    r"(?:avalia[çc][ãa]o(?! t[ée]cnica)|avalia[çc][õo]es|avaliar|opini[ãa]o|coment[áa]rio|estrel\w*|nota \d)"
)
_GIFT = (
    r"(?:gratis|grátis|de gra[çc]a|brinde|free|kostenlos|gratuit\w*|omaggio|regalo|cadeau|prezent\w*|present|"
    r"geschenk\w*|無料|プレゼント|進呈)"
)

MORE_WORDS: dict[str, tuple[str, ...]] = {
    "review_request": (
        rf"{_ASK_PT}[^.!?\n]{{0,80}}\b{_REVIEW_PT}",
        rf"\b(?:deix\w*|escrev\w*|compartilh\w*|d[êe] uma|umas)\b[^.!?\n]{{0,40}}\b{_REVIEW_PT}",
        r"\bumas? estrelinhas?\b",
        # telling other buyers how it went, in every language
        r"\b(?:tell|racont\w*|raccont\w*|cuent\w*|cont[ae]\w*|vertel\w*|laten weten|opowiedz\w*|berätta\w*|"
        r"erzähl\w*)\b[^.!?\n]{0,30}\b(?:other|les autres|autres|altri|otros|outros|andere|innym|andra)\s+"
        r"(?:buyers|customers|shoppers|acheteurs|clients|clienti|acquirenti|compradores|clientes|kopers|klanten|"
        r"kupującym|klientom|köpare|kunder|käufer\w*|kunden)",
        # sharing impressions or opinion "of us / our shop on Amazon"
        r"\b(?:share|partag\w*|condivid\w*|compart\w*|compartilh\w*|deel|delen|podziel\w*|dela|teilen)\b[^.!?\n]{0,40}"
        r"\b(?:thoughts|opinion|impressions?|ressenti|avis|opinione|parere|opinión|opini[ãa]o|mening|indruk\w*|"
        r"wrażeni\w*|intryck|eindr[üu]ck\w*|erfahrung\w*|experience|expérience|esperienza|experiencia|experiência|"
        r"ervaring|doświadczeni\w*|upplevelse)\b[^.!?\n]{0,60}\b(?:us|nous|noi|nosotros|nós|ons|nas|oss|uns|shop|"
        r"boutique|negozio|tienda|loja|winkel|sklep\w*|butik|amazon\w*)\b",
        r"\blasci\w*\b[^.!?\n]{0,30}\b(?:opinione|parere|giudizio)\b[^.!?\n]{0,40}\b(?:noi|amazon)",
        r"\bpuntu\w*\b[^.!?\n]{0,40}\bestrellas\b|\bestrellas\b[^.!?\n]{0,40}\bpágina del (?:artículo|producto)",
        r"(?:レビュー|星の評価|高評価|評価|感想|口コミ)[^。！？\n]{0,30}(?:投稿|お願い|いただけ|頂け|ください|下さい|"
        r"幸い|助か|励み|お聞かせ|削除|変更)",
        r"他のお客様に[^。！？\n]{0,30}(?:お伝え|伝え)",
    ),
    "incentive": (
        rf"\b{_REVIEW_PT}[^.!?\n]{{0,100}}(?:de gra[çc]a|grátis|brinde|devolv\w*|reembols\w*|r\$ ?\d)",
        rf"(?:de gra[çc]a|brinde|r\$ ?\d[\d.,]*|devolvemos|reembols\w*)[^.!?\n]{{0,100}}\b(?:mudar|apagar|excluir|"
        rf"remover|retirar|alterar|cancelar)\b[^.!?\n]{{0,40}}(?:{_REVIEW_PT}|reclama[çc][ãa]o|garantia)",
        r"(?:レビュー|評価|申請|クレーム)[^。\n]{0,60}(?:取り下げ|削除|見直|変更|投稿|書いて)[^。\n]{0,60}"
        r"(?:返金|無料|プレゼント|お送り|進呈|差し上げ)",
        r"(?:高評価|レビュー)[^。\n]{0,20}(?:お礼|御礼)[^。\n]{0,40}(?:無料|プレゼント|進呈)",
        # a gift for withdrawing a claim (the money alone is caught by the wording rules)
        rf"\b(?:intrek\w*|retir\w*|cancelar|cancele|zur[üu]ckzieh\w*|wycofa\w*|drar tillbaka|withdraw\w*|"
        rf"annul\w*|取り下げ)(?=[^.!?\n。]{{0,100}}{_GIFT})",  # the verb alone: what follows names the claim
    ),
    "off_amazon_contact": (
        r"\b(?:mercado ?livre|shopee|magalu|americanas\.com|olx|loja f[íi]sica|nosso site|whatsapp|zap ?zap)\b",
        r"楽天|メルカリ|ヤフオク|yahoo!?ショッピング|実店舗|公式サイト|当店サイト|line公式|lineで|line ?id|インスタ",
        r"\b(?:outside (?:of )?amazon|außerhalb (?:von )?amazon|hors d'amazon|en dehors d'amazon|al di fuori di amazon|"
        r"fuori da amazon|fuera de amazon|fora da amazon|buiten amazon|poza amazon\w*|utanför amazon)\b|amazonを通さず",
    ),
    "marketing": (
        r"\bblack friday\b|\bpromo[çc][ãa]o\b|\bat[ée] \d+ ?% de desconto|\bliquida[çc][ãa]o\b|\bnossa nova (?:linha|"
        r"cole[çc][ãa]o)\b",
        r"セール|最大\d+[%％]オフ|新商品|新作のご案内|キャンペーン",
    ),
    "opt_out": (
        r"\bresponda (?:sair|parar|pare|stop|baja)\b|\bdescadastr\w*|\bn[ãa]o quer mais receber\b|\bdarse de baja\b|"
        r"\bno quiere recibir más\b",
        r"配信停止|配信不要|今後のご連絡が不要",
    ),
    "email_address": (
        r"[\w.]+\s*(?:\(\s*arroba\s*\)|\barroba\b|アットマーク|あっとまーく)\s*[\w-]+\s*(?:\(\s*ponto\s*\)|\bponto\b|ドット|\.)"
        r"\s*(?:com|net|org|br|jp|co)\b",
    ),
}
