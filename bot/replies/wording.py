"""What a reply asks of the buyer, in the eight marketplace languages: reviews, incentives, contact outside Amazon,
marketing and opt-out wording, as patterns with their context.

Words that are harmless in one sentence and forbidden in another ("Bewertung des Schadens" against "eine gute
Bewertung"; "free replacement" against "free if you buy two") are only a finding together with what makes them a
request, an offer or a pitch. The patterns run on the guard's reading of the text (bot/replies/normalise.py),
lower-cased, with leetspeak folded ("r3view" → "review").
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator

from bot.replies.wording_more import MENTIONED, claim_counts, sentence_of, stands

log = logging.getLogger(__name__)

LEET = str.maketrans({"3": "e", "1": "i", "0": "o", "4": "a", "5": "s", "7": "t", "$": "s"})
LEET_WORD = re.compile(r"\b(?=\w*[a-zß-ÿ]\w*[0-9$]|\w*[0-9$]\w*[a-zß-ÿ])[\w$]+\b")
SENTENCE = re.compile(r"[^.!?;\n]+[.!?;\n]*")

_STARS = (
    r"\b(?:[1-5]|one|two|three|four|five|ein|einen|zwei|drei|vier|fünf|une|deux|trois|quatre|cinq|una|due|tre|"
    r"quattro|cinque|uno|dos|tres|cuatro|cinco|een|twee|drie|vijf|jedn\w*|dwie|trzy|cztery|pięć|en|ett|två|fyra|fem)"
    r"[- ]?(?:stars?|sterne?n?|étoiles?|stell(?:e|ine)|estrellas?|sterren|gwiazd\w*|stjärn\w*)(?!\w)"
)
REVIEW_ALWAYS = (
    # Amazon's own "was your problem solved?" mail, answered the way the seller asks
    r"\bamazon\b[^\n]{0,200}\b(?:antwort\w*|answer\w*|click\w*|klick\w*|tick\w*|select\w*|répond\w*|cliqu\w*|"
    r"coch\w*|rispond\w*|clicc\w*|contest\w*|marc[aáq]\w*|respond\w*|antwoord\w*|klik\w*|odpowi\w*|zaznacz\w*|"
    r"svar\w*|klicka\w*|välj\w*)\b[^.!?\n]{0,40}(?:\b(?:yes|ja|sí|oui|sì|tak)\b|[\"'„“”«»‘’]si[\"'„“”«»‘’])",
    r"\bamazon\b[^\n]{0,200}[\"'„“”«»‘’](?:yes|ja|sí|si|oui|sì|tak)[\"'„“”«»‘’]",
    r"\b(?:a|an|your|my|our|the|product|honest|positive|good|great|quick|short|little|small|5-star|five-star)"
    r"\s+(?:\w+\s+)?reviews?\b(?!\s+(?:of|on)\s+(?:your|the)\s+(?:case|claim|photos?|return|request|complaint|file|order|account))",
    r"\b(?:leave|write|post|give|share|submit|drop)\s+(?:\w+\s+){0,3}reviews?\b",
    r"\breviews?\s+(?:of|on|for|about)\s+(?:our|us|this|the)\s+(?:shop|store|service|product|purchase|item|company)",
    r"\b(?:kunden|produkt|verkäufer)?rezension\w*",
    r"\bkundenmeinung\w*",
    r"\b(?:positiv\w*|pozytywn\w*|gute?n?|goede?|bonne|buon[ao]?|buen[ao]?|good|great|wysok\w*|hög\w*|ehrlich\w*|"
    r"honest|sincer\w*|eerlijk\w*|szczer\w*|ärlig\w*|excellent\w*|ausgezeichnet\w*)\s+(?:\w+\s+)?(?:bewertung|"
    r"feedback|beoordeling|note|évaluation|avis|valutazione|giudizio|valoración|opinión|opinie|opinię|opinii|ocen\w*|"
    r"betyg|omdöme|review|rating|commentaire|comentario|komentarz\w*)\b",
    r"\b(?:feedback|valutazione|recensione|giudizio|opinione|valoración|reseña|opinión|avis|commentaire|évaluation|"
    r"beoordeling|opinia|opinię|ocen\w*|betyg|omdöme|comentario)\s+(?:\w+\s+){0,2}(?:positiv\w*|favorevol\w*|"
    r"favorable\w*|pozytywn\w*|dobr\w*|buon\w*|buen\w*|excellent\w*|eccellent\w*)",
    r"\b(?:bewerten sie (?:uns|unser\w*|den|das|die|ihren|ihre)|rate us|rate our|rate the (?:product|item|seller)|"
    r"évaluez|notez-nous|notez notre|valutateci|valutaci|valórenos|califíquenos|beoordeel ons|oceń nas|ocenić nas|"
    r"betygsätt)\b",
    r"\b(?:évaluation|note) (?:du )?vendeur|\bsäljaromdöm\w*|\bverkäuferbewertung\w*|\bvalutazione (?:del )?venditore|\bvaloración del vendedor|"
    r"\bverkopersbeoordeling|\bocen\w* sprzedawcy|\bsäljarbetyg",
    r"\b(?:verkäufer|seller|säljar|verkopers|sprzedawc\w*)[- ]?(?:feedback|bewertung)",
    r"\bpositive?s?\s+(?:verkäufer|seller|säljar|verkopers)?feedback",
    r"\bcommentaires?\s+positifs?\b|\bcommentaire\s+sur\s+la\s+fiche",
    r"\bgiudizio\s+positivo|\brecension[ei]\b",
    r"\breseñas?\b",
    r"\brecensies?\b",
    r"\brecenzj\w*",
    r"\brecension(?:en)?\b",
    r"\bomdömen?\b",
    _STARS,
    r"\b(?:star|sterne|stelle|estrellas|sterren|gwiazdk\w*|stjärn)\s*(?:rating|bewertung|valutazione|valoración|beoordeling|ocen\w*|betyg)",
    r"\b(?:let|tell|lassen sie|sagen sie|erzählen sie|faites savoir aux|dites aux|fate sapere agli|faccia sapere agli|"
    r"dica agli|cuénteles a|dígales a|laat|vertel|da\w* znać|powiedz\w*|napisz\w*|låt|berätta för)\s+(?:(?!(?:whether|if|ob|si|se|czy|om)\b)\w+\s+){0,2}"
    r"(?:other|others|andere\w*|autres|altri|otros|andere|innym|inny\w*|andra)\b(?:\s+(?:customers|buyers|kunden|"
    r"käufer\w*|clients|acheteurs|clienti|acquirenti|clientes|compradores|klanten|kopers|klient\w*|kupując\w*|"
    r"kunder|köpare))?",
    r"\breviews?\s+(?:from|by)\s+(?:customers|buyers|people|shoppers)\b",
    r"\b(?:ein paar|einige|a few|some|quelques|qualche|alcune|unas(?: cuantas)?|algunas|een paar|wat|kilka|"
    r"parę|några|ett par)\s+(?:\w+\s+)?(?:sterne|stars|étoiles|stell[ae]|stelline|estrellas|sterren|gwiazd\w*|stjärnor)",
    r"\b(?:worte?|words|mots|parole|palabras|woorden|słów|słowa|ord|sterne|stars|étoiles|stelle|estrellas|sterren|"
    r"gwiazd\w*|stjärnor)\b[^.!?]{0,30}\b(?:(?:seller|verkäufer|vendeur|venditore|vendedor|verkopers|sprzedawcy|"
    r"säljar)[- ]?(?:profile?|profil\w*|page|seite)|(?:unser\w*|our|notre|nostro|nuestro|ons|onze|naszym|vår)\s+"
    r"(?:\w+\s+)?(?:profil\w*|profile|perfil|profiel|profilu))",
    r"\b(?:sobald|once|when|dès que|quand|quando|appena|cuando|en cuanto|zodra|wanneer|gdy|kiedy|jak tylko|när|så fort)"
    r"\b[^.!?]{0,30}\b(?:text|post|beitrag|kommentar|commentaire|avis|testo|commento|texto|comentario|tekst|reactie|"
    r"wpis|komentarz|inlägg|kommentar|review|bewertung|recensione|reseña|recensie|opini\w*)\b[^.!?]{0,25}\b(?:online|"
    r"live|published|up|veröffentlicht|sichtbar|publié|en ligne|pubblicat\w*|visibil\w*|publicad\w*|visible|"
    r"gepubliceerd|zichtbaar|opublikowan\w*|widoczn\w*|publicerad\w*|synlig\w*)\b",
    # sharing how it went "on Amazon" (the buyer's experience, what they think): a review by another name
    r"\b(?:tell\w*|shar\w*|teil\w*|erzähl\w*|berichte\w*|partag\w*|racont\w*|condivid\w*|raccont\w*|compart\w*|"
    r"contar\w*|cuent\w*|cont[ae]\b|deel\w*|delen|vertel\w*|podziel\w*|opowie\w*|opisa\w*|dela|berätta\w*)\b[^.!?]{0,60}"
    r"\b(?:on|auf|bei|sur|su|en|op|na|på)\s+amazon(?:ie|s)?\b(?=[^.!?]{0,80}(?:experience|erfahrung|expérience|"
    r"esperienza|experiencia|ervaring|doświadcz|upplevelse|erfarenhet|qué tal|how|wie|comment|come|hoe|jak|hur|"
    r"think|denken|pensez|pensa|parece|vindt|sądzi|tycker|other|andere|autres|altri|otros|innym|andra))",
    r"\b(?:experience|erfahrung\w*|expérience|esperienza|experiencia|ervaring|doświadcz\w*|upplevelse|erfarenhet\w*)"
    r"\b[^.!?]{0,20}\b(?:on|auf|bei|sur|su|en|op|na|på)\s+amazon(?:ie|s)?\b[^.!?]{0,60}\b(?:tell\w*|shar\w*|teil\w*|"
    r"partag\w*|condivid\w*|compart\w*|deel\w*|delen|podziel\w*|dela|berätta\w*)",
    r"\b(?:share|teilen|partager|condividere|compartir|delen|podziel\w*|dela)\s+(?:\w+\s+){0,4}(?:product page|produktseite|fiche produit|pagina del prodotto|página del producto|productpagina|stronie produktu|produktsidan)",
)
# nouns that are a review only when asked for (not "Bewertung des Schadens", "avis de passage", "in our opinion")
REVIEW_NOUN = re.compile(
    r"\b(?:bewertung|feedback|avis|évaluation|(?<!please )(?<!to )note(?! that)|valutazione|giudizio|valoración|opinión|opinion|calificación|"
    r"beoordeling|opinia|opinię|opinii|ocen[aęy]|betyg|komentarz\w*|commentaire|comentario|stelline|évaluer|"
    r"bewerten|valutare|valorar|valórenos|beoordelen|ocenić|betygsätt\w*|rate us|rate our)\b"
)
REVIEW_ASK = re.compile(
    r"würden wir uns|freuen uns|wäre|would love|we'd love|would be|would mean|means a lot|please|bitte|pourriez|"
    r"serait|sarebbe|sería|déj|zou |zouden|byłaby|byłby|vore|uppskatt|helfen|helpen|help us|aiuter|aiderait|pomog|"
    r"hjälp|ayud|ajud|glad|froh|heureux|ravi|felic|contenti|blij|cieszy|betyder mycket|mile widzian|bienvenu|gradit|teilen|partager|share|lassen sie|leave|laisser|lasciare|dejar|achterlaten|"
    r"zostaw|wystaw|zamieś|lämna|hinterlass|abgeben|schreiben sie|écrire|scriver|escribir|schrijven|napisać|"
    r"product page|produktseite|fiche produit|pagina del prodotto|página del producto|productpagina|stronie produktu|"
    r"produktsidan|"
    r"skriv|post|publi|plaats|ändern|löschen|entfernen|modifier|retirer|supprimer|modificare|rimuovere|cambiar|"
    r"eliminar|wijzigen|verwijderen|zmieni|usun|ändra|ta bort|schönste|dankeschön|update the|willing to|lösch|entfern|"
    r"würden sie|könnten sie|would you|could you|pourriez|potrebbe|podría|zou u|czy mógłby|czy mogłaby|skulle du|"
    r"haría|harían|waarder|apprécier|agradec|ilusión|grateful|dankbar|reconnaissant|grat[oi]\b|wdzięczn|tacksam|"
    r"dalass|da lass|hinterl|achterla|laisses|laissez|lasci|dejas|deja |zostawi|lämnar|schrijft|schrijf|écris|"
    r"scrivi|escribe|wystawi|wystawien|revoir|rivedere|revisar|herzien|se över|überdenk|rozważ"
)
REVIEW_HARMLESS = re.compile(
    r"des schadens|du dommage|del danno|del daño|van de schade|szkod|av skadan|zur verpackung|on the packaging|"
    r"sur l'emballage|sull'imballaggio|sobre el embalaje|over de verpakking|om förpackningen|o opakowaniu|"
    r"de passage|d'expédition|d'envoi|sur l'avis|l'avis de|your case|les dégâts|des dégâts|the damage|den schaden|review of (?:your|the) (?:complaint|case|claim|request|return)|technische bewertung|évaluation technique|valutazione tecnica|valoración técnica|ocena techniczna|teknisk bedömning|avaliação técnica|"
    r"il danno|los daños|de schade|szkod(?:a|y|ę|zie|ach|ami)\b|skadan|dommages|delle foto|of the photos|der fotos|des photos|"
    r"de las fotos|van de foto|zdjęć|av bilderna|"
    r"in (?:his|her|our|my) opinion|à notre avis|secondo|\w*schaden\b|"
    r"(?:en|de) (?:nuestra|su|mi) opinión|cambia de opinión|naszym zdaniem|enligt"
)
INCENTIVE = (
    r"(?<!technische )(?<!technischen )\b(?:bewertung|rezension|review|avis|évaluation|recensione|valutazione|reseña|valoración|opini\w*|recensie|"
    r"beoordeling|omdöme|säljaromdöme|betyg|feedback|ocen\w*|sterne|stars|étoiles|stelle|estrellas|sterren|gwiazd\w*|"
    r"stjärnor)\b(?!\s+(?:tecnic|technicz|techniq|técnic|technisch|tekni))[^.!?]{0,80}\b(?:gratis|free|kostenlos|gratuit\w*|omaggio|in regalo|regal\w*|cadeau\w*|geschenk\w*|"
    r"za darmo|w prezencie|prezent\w*|present|zweite\w*|second|deuxième|seconda|secondo|segund\w*|tweede|drug[aią]|"
    r"verlänger\w*|extend\w*|prolong\w*|förläng\w*|verleng\w*|przedłuż\w*|\d+\s?(?:€|eur|euro|£|\$|zł|kr)|"
    r"(?:€|£|\$)\s?\d+)(?!\w)",
    r"\b(?:order|bestell\w*|command\w*|ordin\w*|pedi\w*|zamówi\w*|beställ\w*|kauf\w*|buy|koop\w*|achet\w*|"
    r"acquist\w*|compr\w*|kup\w*|köp\w*)\b[^.!?]{0,40}\b(?:again|opnieuw|erneut|wieder|à nouveau|de nouveau|di nuovo|"
    r"de nuevo|otra vez|ponownie|igen|nog eens)\b[^.!?]{0,80}\b(?:gratis|free|kostenlos|gratuit\w*|omaggio|in regalo|"
    r"regal\w*|cadeau\w*|geschenk\w*|za darmo|w prezencie|prezent\w*|present|proefzak\w*|sample|probe\w*|"
    r"échantillon|campione|muestra|próbk\w*|prov\w*)",
    r"\bgutschein\w*|\bcoupons?\b|\bcup[oó]n(?:es)?\b|\bvouchers?\b|\bfree gift|\bkleine\w* geschenk|"
    r"\bpetit cadeau|\bpiccolo omaggio|\bpequeño regalo|\bklein cadeau\w*|\bmały prezent|\bliten present|\bgift ?cards?\b|\bcarte[s]? cadeau|\bcarta regalo|"
    r"\btarjeta regalo|\bcadeau(?:kaart|bon)\w*|\bbon\w* podarunkow\w*|\bkart\w* podarunkow\w*|\bpresentkort\w*|"
    r"\bbons? d'achat|\bchèques? cadeaux?|\bcupo(?:m|ns)\b|\bvales?[- ](?:presente|de compras?)|\bcartão[- ]presente|クーポン|ギフト券|ギフトカード|商品券|割引券",
    r"\b(?:rabatt|rabat|promo|discount|kortings?|sconto|descuento|rabais|réduction)[- ]?(?:code|kod\w*|codice)\b|"
    r"\b(?:code|kod|codice|código|koden?)\s+(?:promo|rabat\w*|sconto|descuento|de descuento|de réduction)\b|"
    r"\bcashback\b|\bcode promo\b",
    r"\b(?:mit|with|avec|con|met|z|med)\s+(?:dem|the|le|il|el|de)?\s*(?:code|kod\w*|codice|código|koden|"
    r"rabattkoden|cup[oó]n)\s+[a-z0-9]{4,}\b(?=.{0,60}(?:%|rabatt|sconto|descuento|korting|rabat|zniżk|spar|save|"
    r"off\b|économis|risparm|ahorr|bespaar|oszczęd|réduction|remise))",
    r"\d+\s?%\s?(?:rabatt\w*|rabatu|korting|sconto|de descuento|descuento|de réduction|off|zniżki|på)\b",
    r"\b(?:rabatt|remise|sconto|descuento|korting|rabatu?|zniżk\w*|discount)\b.{0,40}\b(?:nächste|next|prochaine|"
    r"prossim|próxim|volgende|kolejn|nästa)",
    r"\b(?:nächste|next|prochaine|prossim|próxim|volgende|kolejn|nästa)\w*\s+(?:bestellung|order|purchase|commande|"
    r"ordine|acquisto|pedido|compra|bestelling|zakup\w*|zamówien\w*|beställning|köp)\b.{0,60}"
    r"\b(?:rabatt|remise|sconto|descuento|korting|rabat|zniżk|discount|spar|économ|risparm|ahorr|bespaar|oszczęd)",
    # a gift for the next time (not gift wrapping, a gift order, or "afterwards")
    r"\b(?:geschenk|gift|cadeau|omaggio|regalo|cadeautje|prezent|present)(?!verpack|bestell|[- ]?wrap|papier|box)\w*\b"
    r".{0,60}\b(?:nächst\w*|next|prochain\w*|prossim\w*|próxim\w*|volgend\w*|następn\w*|nästa|after|nach|après|"
    r"dopo|después|na|po|efter)\b",
    r"\b(?:als dank|to thank you|pour vous remercier|per ringraziar|para agradecer|als bedankje|als dank|"
    r"w podziękowaniu|som tack|zum dank|in segno di|en agradecimiento)",
    r"\b(?:dankeschön|thank-you|thank you gift|remerciement|ringraziamento|agradecimiento|bedankje|podziękowani\w*|"
    r"tack för)\b[^.!?]{0,80}\b(?:kostenlos|gratis|free|gratuit\w*|omaggio|regal\w*|cadeau\w*|geschenk\w*|gift|"
    r"darmo|prezent\w*|present)\b",
    r"\b(?:claim|reklamation|anspruch|garantieantrag|réclamation|richiesta|reclamación|garantieclaim|"
    r"roszczenie|a-?to-?z|a-bis-z\S*|a-tot-z\S*|reclamo|garanzia|garantía)\b[^.!?]{0,40}\b(?:intrekt|trekt in|"
    r"intrekken|zurückzieht|zurückziehen|zurücknehmen|zurückzunehmen|withdraw\w*|close|retire|ritira|retira|"
    r"wycofa\w*|drar tillbaka|dra tillbaka)",
    r"\b(?:next|nächst\w*|prochain\w*|prossim\w*|próxim\w*|volgende|kolejn\w*|następn\w*|nästa)\s+(?:purchase|order|"
    r"einkauf|kauf|bestellung|achat|commande|acquisto|ordine|compra|pedido|aankoop|bestelling|zakup\w*|zamówien\w*|"
    r"köp|beställning)\b[^.!?]{0,80}\b(?:gift|free|gratis|kostenlos|geschenk\w*|schenken|offr\w*|regal\w*|omaggio|"
    r"cadeau\w*|darmo|prezent\w*|prezenc\w*|gratuit\w*|glisse\w*|dołoż\w*|dorzuc\w*|present|second|extra|zweite\w*|deuxième|secondo|seconda|segund\w*|tweede|drug\w*|andra)",
    r"\b(?:gift|free|gratis|kostenlos|geschenk\w*|schenken|offrons|offriamo|regal\w*|omaggio|cadeau\w*|darmo|"
    r"prezent\w*|present|second|extra|zweite\w*|deuxième|secondo|seconda|segund\w*|tweede|drug\w*)\b[^.!?]{0,80}"
    r"\b(?:next|nächst\w*|prochain\w*|prossim\w*|próxim\w*|volgende|kolejn\w*|następn\w*|nästa)\s+(?:purchase|"
    r"order|einkauf|kauf|bestellung|achat|commande|acquisto|ordine|compra|pedido|aankoop|bestelling|zakup\w*|"
    r"zamówien\w*|köp|beställning)\b",
    r"\b(?:gratis|free|kostenlos|gratuit|gratuito|za darmo)\b.{0,40}\b(?:nästa|next|nächst|prochain|prossim|próxim|"
    r"volgend|następn)\w*\s+(?:köp|purchase|order|bestellung|achat|commande|acquisto|ordine|compra|pedido|aankoop|"
    r"bestelling|zakup|zamówien)",
    r"\b(?:in exchange for|im austausch|en échange|in cambio|a cambio|in ruil voor|w zamian za|i utbyte mot|"
    r"geste commercial)\b",
    r"\b(?:close|withdraw|schließen|zurückziehen|clôturer|retir|chiude|ritira|cierra|intrekt|trekt|wycofa|zamknie|drar tillbaka|stänger)\w*\b[^.!?]{0,40}\b(?:claim|reklamation|anspruch|antrag|garantieantrag|"
    r"réclamation|richiesta|reclamación|garantieclaim|roszczenie|garanti|a-?to-?z|a-bis-z\S*|a à z|a alla z|"
    r"a a la z|a-tot-z|od a do z|reclamo|reclami|garanzia|garantía|reclamação|reivindicação|a a z)",
    r"\b(?:free of charge|completely free|kostenlos|gratis|gratuit|gratuito|za darmo)\b.{0,60}\b(?:if you buy|"
    r"wenn sie|si vous achetez|se acquista|si compra|als u .{0,20}koopt|jeśli kupi|om du köper)|"
    r"\b(?:if you buy|wenn sie .{0,30}kaufen|si vous achetez|se acquista|si compra|als u .{0,20}koopt|"
    r"jeśli .{0,20}kupi|om du köper)\b.{0,60}\b(?:free|kostenlos|gratis|gratuit|gratuito|za darmo)",
)
OFF_AMAZON = (
    r"\b(?:handy|mobil|telefon|rückruf|mobile|phone|cell|portable|téléphone|gsm|cellulare|telefono|móvil|celular|"
    r"teléfono|mobiele|telefoon|komórk\w*|telefonu|mobil)[- ]?(?:nummer|number|numéro|numero|número|nr)?\b[^.!?]{0,60}"
    r"\b(?:anruf\w*|rufen wir|call you|give you a (?:quick )?call|ring you|appeler|appellerons|appelons|chiamar\w*|"
    r"richiamar\w*|llamar\w*|llamaremos|bellen|bellen we|zadzwoni\w*|oddzwoni\w*|ringer (?:vi )?(?:upp|dig)|ring\w* upp)",
    r"\b(?:(?:your|ihre|deine|votre|ton|vostro|suo|il suo|su|tu|uw|je|swój|pani|pana|ditt|din)\s+(?:\w+\s+)?"
    r"(?:handynummer|mobilnummer|telefonnummer|mobile number|phone number|cell number|numéro de (?:portable|téléphone|"
    r"gsm)|numero di (?:cellulare|telefono)|número de (?:móvil|celular|teléfono)|mobiele nummer|telefoonnummer|"
    r"gsm-nummer|numer (?:komórki|telefonu)))\b[^\n]{0,80}\b(?:anruf|rufen|call|ring|appel|chiam|llam|bel|dzwon|"
    r"zadzwon)",
    r"\b(?:ci trova|ci trovate|finden sie uns|findest du uns|vous nous trouverez|tu nous trouveras|nos encontrar\w*|"
    r"vindt u ons|vind je ons|znajdzie\w* nas|hittar du oss|you(?:'ll| will| can) find us)\b(?![^.!?]{0,20}amazon)",
    r"\b(?:call|ring|phone) me\b|\bruf\w* (?:sie )?mich\b[^.!?]{0,30}\ban\b|\bappelez-moi|\bchiamami|\bmi chiami|"
    r"\bllámame|\bllámeme|\bbel me\b|\bme bellen|\bzadzwoń do mnie|\bzadzwoni pan\w* do mnie|\bring mig\b",
    r"\b(?:günstiger|billiger|cheaper|moins cher|meno (?:caro|cari|care)|costano (?:un po' )?meno|más barat\w*|"
    r"goedkoper|taniej|billigare)\b[^.!?]{0,20}\b(?:als|than|que|di|che|dan|niż|än)\s+(?:auf |on |sur |su |en |op |"
    r"na |på )?amazon",
    r"\b(?:in bar|bar bezahl\w*|in cash|pay cash|en espèces|en liquide|in contanti|en efectivo|contant|gotówką|kontant)\b",
    r"\b(?:unser\w*|our|notre|nos|nostr\w*|nuestr\w*|onze|nasz\w*|vår\w*)\s+(?:\w+\s+)?(?:app|application|"
    r"applicazione|aplicación|aplikacj\w*)\b(?!\s+(?:on|bei|auf|sur|su|en|op|na|på)\s+amazon)",
    r"(?<!\bz )(?<!\bze )\b(?:unser\w*|our|notre|nostro|nostra|nuestra|nuestro|onze|nasz\w*|vår|våra)\s+"
    r"(?:\w+\s+)?(?:laden|ladengeschäft|geschäft|magasin|negozio|bottega|tienda física|showroom|sklep stacjonarny|"
    r"butiken|mercatino|marktstand|bancarella|puesto)\b"
    r"(?!\s+(?:on|bei|auf|sur|su|en|op|na|på)\s+amazon)",
    r"\b(?:bij ons|bei uns|chez nous|da noi|en nuestro|w naszym|hos oss)\b[^.!?]{0,30}\b(?:ophalen|abholen|récupérer|ritirar\w*|recoger|odebra\w*|hämta)",
    r"\b(?:whats ?app|telegram|messenger|facebook|instagram|tiktok|snapchat|pinterest|youtube|linkedin|wechat|viber)\w*",
    r"\b(?:give|ring|phone|call)\s+(?:us|our\s+(?:team|hotline|office|service|shop))\b(?:\s+a\s+(?:ring|call))?",
    r"\b(?:on|über|via|sur|su|en|op|na|på)\s+signal\b",
    r"\b(?:ebay|wallapop|marktplaats|bol\.com|allegro|tradera|blocket|vinted|etsy|otto\.de|kleinanzeigen|"
    r"cdiscount|leboncoin|olx|subito\.it)\b|\bbij\s+bol\b|\bof\s+bol\b|\bsu\s+subito\b",
    r"\b(?:bei|in|on|dans|su|en|op|w|på)\s+(?:google|bing)\b|\b(?:google|bing)\s+(?:nach|for|search)\b",
    r"\b(?:ruf\w*\s+(?:sie\s+)?(?:uns|einfach|gern)\w*\s+(?:\w+\s+)?an|call us|give us a call|phone us|ring us|"
    r"appelez[- ]nous|appelez notre|chiamateci|ci chiami|llámenos|llame a nuestro|bel ons|bel onze|"
    r"zadzwo\w* (?:do nas|pod nasz)|prosimy (?:do nas )?zadzwonić|"
    r"ring oss|ring till oss|telefonieren sie mit uns|téléphonez-nous)\b",
    r"(?<!\bz )(?<!\bze )\b(?:unser\w*|our|notre|nostro|nostra|nuestra|nuestro|onze|nasz\w*|vår|våra)\s+"
    r"(?:eigen\w*\s+|own\s+|propre\s+)?(?:online-?shop|webshop|website|webseite|web shop|online shop|shop|store|site|boutique en ligne|boutique|sito|"
    r"negozio online|tienda online|tienda|página web|winkel|sklep\w*|stron\w*|webbutik|hemsida|butik)\b"
    r"(?!\s+(?:on|bei|auf|sur|su|en|op|na|på)\s+amazon)",
    r"\b(?:e-?mail|mail|correo|mejl|courriel|mailem|sähköposti)\w*\b.{0,50}\b(?:direkt|directly|directement|"
    r"direttamente|directamente|rechtstreeks|bezpośrednio)\b|\b(?:direkt|directly|directement|direttamente|"
    r"directamente|rechtstreeks|bezpośrednio)\b.{0,50}\b(?:e-?mail|mail|correo|mejl|courriel|mailem)",
    r"\b(?:instead of|rather than|statt|anstatt|plutôt que|invece che|en lugar de|in plaats van|zamiast|a nie|"
    r"i stället för)\s+(?:using\s+|via\s+|through\s+|über\s+|par\s+|tramite\s+|su\s+|por\s+|a través de\s+|"
    r"przez\s+|på\s+)?amazon",
    r"\b(?:ohne|without|skip(?:ping)?|sans|senza|sin|zonder|bez|utan)\s+(?:(?:passer|passare|pasar|gå)\s+"
    r"(?:par|da|por|via)\s+|die\s+|the\s+|la\s+|le\s+|het\s+|de\s+)?(?:amazon(?:-?gebühren)?\b(?!\s+(?:to|zu|à|a)\b)|"
    r"marketplace fees|the fees|plattformgebühren|frais de la plateforme|commissioni|comisiones|platformkosten|"
    r"prowizj\w*|plattformsavgift\w*)",
    r"\b(?:direkt bei uns|directly from us|direct from us|directly with us|invoice you directly|trade account|"
    r"directement (?:chez|auprès de|par) nous|direttamente (?:da|presso) noi|directamente (?:a|con) nosotros|"
    r"comprarnos directamente|rechtstreeks bij ons|direct bij ons|bezpośrednio (?:u|od) nas|direkt (?:av|hos|från) oss)\b",
    r"\b(?:unser\w*|our|notre|nostro|nostra|nuestra|nuestro|onze|nasz\w*|vår|våra)\s+(?:eigen\w*|own|propre|"
    r"propri[oa]|propi[oa]|egen|egna|własn\w*)\s+(?:web ?winkel|webwinkel|webbutik|e-?shop|webshop|sklep\w*|tienda|"
    r"negozio|boutique|shop|store|site|website)\b",
    r"\bapp (?:ons|me|mij)\b|\bappje\b|\bstuur (?:ons )?een app\b|\b(?:zoek|search|suchen sie|cherchez|cerca|busque|"
    r"szukaj|sök)\s+(?:\w+\s+){0,2}(?:op|for|nach|sur|su|en|na|på)\s+[\"'„“”«»‘’]",
    r"\b(?:die nummer steht|the number is on|le numéro (?:est|figure)|il numero è|el número (?:está|figura)|"
    r"het nummer staat|numer jest na|numret står)",
)
MARKETING = (
    r"\b(?:übrigens|by the way|btw|d'ailleurs|au passage|en passant|tra l'altro|a proposito|por cierto|trouwens|overigens|przy okazji|förresten|kleiner tipp|quick heads-up|heads-up|petite info|piccola anticipazione|pequeño adelanto|mała zapowiedź|sneak peek|in case you're (?:after|looking for)|if you(?:'re| are) (?:after|looking for)|falls sie (?:noch )?\\w+ suchen|si jamais vous (?:en )?cherch\\w*|se (?:ne )?sta cercando|si (?:está|estás) buscando|mocht u [^.!?]{0,15}zoeken|gdyby pan\\w* [^.!?]{0,15}szuka\\w*|om du letar|spodoba się|you(?:'ll| will| might) also (?:like|love)|dürfte ihnen (?:auch )?gefallen|vous plaira|le piacerà|le gustará|zal u (?:ook )?bevallen|kommer (?:du )?att gilla)\b[^.!?]{0,120}\b(?:unser\\w*|our|nos|notre|nostr\\w*|nuestr\\w*|onze|nasz\\w*|vår\\w*|bei uns|chez nous|da noi|bij ons|u nas|hos oss)\b|\b(?:unser\\w*|our|nos|notre|nostr\\w*|nuestr\\w*|onze|nasz\\w*|vår\\w*|bei uns|chez nous|da noi|bij ons|u nas|hos oss)\b[^.!?]{0,120}\b(?:übrigens|by the way|btw|d'ailleurs|au passage|en passant|tra l'altro|a proposito|por cierto|trouwens|overigens|przy okazji|förresten|kleiner tipp|quick heads-up|heads-up|petite info|piccola anticipazione|pequeño adelanto|mała zapowiedź|sneak peek|in case you're (?:after|looking for)|if you(?:'re| are) (?:after|looking for)|falls sie (?:noch )?\\w+ suchen|si jamais vous (?:en )?cherch\\w*|se (?:ne )?sta cercando|si (?:está|estás) buscando|mocht u [^.!?]{0,15}zoeken|gdyby pan\\w* [^.!?]{0,15}szuka\\w*|om du letar|spodoba się|you(?:'ll| will| might) also (?:like|love)|dürfte ihnen (?:auch )?gefallen|vous plaira|le piacerà|le gustará|zal u (?:ook )?bevallen|kommer (?:du )?att gilla)\b",
    r"\b(?:weihnachten|christmas|noël|natale|navidad|sinterklaas|mikołajki|święta|jul|muttertag|mother's day|"
    r"fête des mères|festa della mamma|día de la madre|moederdag|dzień matki|morsdag)\b[^.!?]{0,80}"
    r"(?:geschenkset|gift set|coffret|confezione regalo|cest[ae]|cadeauset|zestaw\w*|kosz\w*|presentset|bundle|"
    r"julblandning|edition|édition|edizione|edición)",
    r"\b(?:new|neue|nouvelle|nuova|nueva|nieuwe|nowa|ny|limited|limitiert\w*|limitée?|limitata|limitada|gelimiteerde|"
    r"limitowan\w*|limiterad)\s+(?:\w+\s+)?(?:edition|edición|édition|edizione|editie|edycj\w*|utgåva|serie|series|"
    r"série)\b|\bédition limitée|\bedizione limitata|\bedición limitada",
    r"\b(?:just launched|newly launched|appena lanciat\w*|abbiamo lanciato|vient de lancer|venons de lancer|"
    r"acabamos de lanzar|hemos lanzado|net gelanceerd|nieuw gelanceerd|właśnie wprowadzi\w*|precis lanserat|"
    r"neu eingeführt|gerade eingeführt|neu im sortiment|new in our)\b",
    r"\b(?:our|unser\w*|nuestr\w*|notre|nos|nostr\w*|onze|nasz\w*|vår\w*)\s+(?:\w+\s+)?black friday|"
    r"\bblack friday[- ](?:bundles|deals|angebote|offers|offres|offerte|ofertas|aanbiedingen|promocje|erbjudanden|"
    r"sale|rabatte|week)",
    r"\b(?:special price|sonderpreis|aktionspreis|prix spécial|prezzo speciale|precio especial|speciale prijs|specjalnej cenie|specjalna cena|specialpris|kampanjpris)",
    r"\b(?:kolla (?:gärna )?in|dai un'occhiata|date un vistazo|kijk (?:eens|gerust) (?:naar|op)|zajrzyj\w*|schauen sie sich\b[^.!?]{0,40}\ban)\b",
    r"\bnews-?letter\w*|\bnieuwsbrief\w*|\bnyhetsbrev\w*|\bboletín\b|\bbulletin d'information",
    r"\b(?:our|unsere\w*|nos|notre|nostr\w*|nuestr\w*|onze|nasz\w*|vår|våra)\s+(?:\w+\s+){0,2}(?:new|neue\w*|"
    r"nouvel\w*|nouveau\w*|nuov\w*|nuev\w*|nieuwe|now\w*|ny\w*|other|andere\w*|autres|altri|otros|inn\w*|andra)\s+"
    r"(?:\w+\s+)?(?:collection|kollektion|collezione|colección|collectie|kolekcj\w*|range|products?|produkte|"
    r"produits|prodotti|productos|producten|produkt\w*|articoli|artikel\w*|items|arrivals|modelle|modelos|tazas|mokken|tasses|tazzine)",
    r"\b(?:check out|discover|take a look at|have you seen|entdecken sie|découvrez|jetez un|scopra|dia un'occhiata|"
    r"descubr\w*|eche un vistazo|ontdek|neem een kijkje|poznania|obejrzenia|upptäck|kika på|passa på att kika)\b",
    r"\b(?:(?:summer|winter|big|our|a|the|on|spring|autumn|black friday) sale|sale (?:ends|starts)|schlussverkauf|"
    r"sommerschlussverkauf|ausverkauf|soldes|saldi|rebajas|uitverkoop|zomeruitverkoop|wyprzedaż\w*|sommarrea|rea med)\b",
    r"\b(?:we recommend|empfehlen wir|wir empfehlen|nous recommandons|recommandons|consigliamo|le consigliamo|"
    r"recomendamos|le recomendamos|raden we|raden wij|polecamy|rekommenderar)\s+(?:\w+\s+){0,3}(?:our|unsere\w*|"
    r"nos|notre|nostr\w*|nuestr\w*|onze|nasz\w*|vår|våra)\b",
    r"\b(?:brand store|brand page|markenseite|markenshop|boutique de marque|store del marchio|tienda de marca|"
    r"merkwinkel|sklep marki|varumärkesbutik)\b",
    r"\b(?:nur noch bis|nur (?:noch )?diese woche|only this week|this week only|until sunday|bis sonntag|"
    r"cette semaine seulement|seulement cette semaine|jusqu'à dimanche|solo per questa settimana|solo questa settimana|"
    r"fino a domenica|s[oó]lo esta semana|hasta el domingo|alleen deze week|nog tot zondag|tylko w tym tygodniu|"
    r"do niedzieli|bara denna vecka|endast denna vecka|till söndag)\b",
    r"\d+\s?%\s?(?:günstiger|billiger|cheaper|moins cher|scontat\w*|más barat\w*|goedkoper|taniej|billigare)\b|"
    r"(?<![\w-])[-–]\s?\d+\s?%\s+(?:sur|auf|on|off|su|en|op|na|på)\b",
    r"\b(?:neue\w* kollektion|new collection|new range|new line|nouvelle collection|nouvelle gamme|nuova linea|"
    r"nuova collezione|nueva colección|nueva línea|nieuwe collectie|nieuwe lijn|now\w* kolekcj\w*|ny kollektion|"
    r"nya kollektion)\b",
    r"\b(?:rest of our|rest unser\w*|reste de (?:notre|nos)|resto della nostra|resto de nuestr\w*|rest van onze|"
    r"reszt\w* nasz\w*|resten av vår\w*|you'll love|you will love|vous allez adorer|le encantará|pokochasz|"
    r"kommer att älska)\b",
    r"\b(?:follow us|follow our|folgen sie uns|suivez-nous|seguici|síganos|volg ons|obserwuj\w*|följ oss)\b",
    r"\b(?:buy a second|kaufen sie ein zweites|achetez un deuxième|acquista un secondo|compre un segundo|"
    r"koop een tweede|kup drugi|köp en till)\b",
)
OPT_OUT = (
    r"\b(?:rather not hear from us|not hear from us again|stop (?:messaging|emailing|writing to|contacting) you|"
    r"dejemos de escribir\w*|no más mensajes|te quitamos|tar vi bort dig|slipper sådana|niks meer van ons|"
    r"nichts mehr von uns|nicht mehr anschreiben|annullare l'iscrizione|af te melden|afmelden voor|uitschrijven|"
    r"zrezygnować z otrzymywania|rezygnuj\w*|cancelar estos avisos|ne plus vous écrire|smettiamo di scriver\w*)",
    r"\b(?:odpisz\w*|odpisać|respond[eé]|contesta\w*|stuur\w*|skriv\w*|schreib\w*|antworte\w*|reply|text|svara)\b"
    r"[^.!?]{0,25}[\"'„“”«»‘’]?\b(?:stop|stopp|baja|uitschrijven|rezygnuj\w*|avsluta|abmelden|unsubscribe)\b",
    r"\bunsubscrib\w*|\bopt[ -]?out\b|\babmelden\b|\babbestell\w*|\bdésinscri\w*|\bdésabonn\w*|\bdisiscri\w*|"
    r"\bdarse de baja\b|\bcancellarsi\b|\bcancellami\b|\bafmelden\b|\bwypis\w*|\bavregistrera\w*|\bavsluta prenumeration",
    r"\b(?:reply|antworte\w*|répondez|risponda|rispondi|responda|responde|responder|antwoord|stuur|odpowiedz\w*|"
    r"svara|send|text)\s+(?:\w+\s+){0,3}[\"'„“”«»]?(?:stop|stopp|baja|nein|non|no|nee|nie|nej|end|quit)\b"
    r"[\"'“”»]?\s*(?:[.!,;)]|$|(?:if|wenn|falls|si|se|als|jeśli|jeżeli|om|to|um|pour|per|para)\b)",
    r"\b(?:keine weiteren nachrichten|keine nachrichten mehr|ne plus recevoir|non ricevere più|no recibir más|"
    r"geen berichten meer|nie chce\w* .{0,20}więcej|slippa fler|no more messages|no further messages|"
    r"ne voulez plus|no quiere más|wilt u geen|vill du slippa|(?:don't|do not) want (?:any )?(?:more|further)|"
    r"keine lust mehr auf|nicht mehr erhalten|ne souhaitez plus|non (?:desidera|vuole) più|no desea (?:recibir )?más|"
    r"geen \w+ meer\?|nie chce\w* (?:\w+ )?(?:otrzymywać|więcej)|vill (?:du )?inte (?:längre )?få|"
    r"(?:take|remove) you (?:off|from) (?:the|our) list|von der liste|de la liste|dalla lista|de la lista|van de lijst|"
    r"z listy|från listan)",
)
# stars that grade a thing, not a seller: energy labels, freezers, hotels
STARS_HARMLESS = re.compile(
    r"energ|efficien|effizien|efficac|eficien|klasse|class|clase|klas[ay]|gefrier|freezer|congel|frys|diepvries|"
    r"zamraż|hotel|label|etikett|étiquette|etichetta|etiqueta|typenschild|rating plate"
)
# "tell other buyers about it": other buyers and a telling verb, asked for, in one sentence
OTHER_BUYERS = re.compile(
    r"\b(?:other|others|future|andere\w*|künftige\w*|autres|futurs|altri|futuri|otros|futuros|toekomstige|"
    r"inny\w*|przyszł\w*|andra|framtida)\s+(?:\w+\s+)?(?:customers|buyers|shoppers|people|parents|users|eltern|"
    r"nutzer\w*|genitori|utenti|utilisateurs|padres|usuarios|ouders|gebruikers|rodzic\w*|użytkown\w*|föräldrar|"
    r"användare|kunden|käufer\w*|"
    r"kundinnen|clients|acheteurs|clienti|acquirenti|clientes|compradores|klanten|kopers|klient\w*|kupując\w*|"
    r"kunder|köpare)\b"
)
TELLING = re.compile(
    r"\b(?:tell|share|let|letting|telling|sharing|know|deel\w*|berichte\w*|erzähle\w*|teile\w*|wissen|mitteilen|partag\w*|racont\w*|dire|savoir|"
    r"raccont\w*|condivid\w*|sapere|cont\w*|compart\w*|saber|laten|laat|weten|vertel\w*|del\w*|podziel\w*|"
    r"opowi\w*|napis\w*|berätta\w*|dela|tipsa)\b"
)
# "on a scale of 1 to 5, how happy are you with us?"
SCALE = re.compile(
    r"\b(?:out of (?:five|ten|5|10)|(?:scale|skala|échelle|scala|escala|schaal|skali)\b|(?:von|from|de|da|del|van|od|"
    r"från)\s+(?:1|one|eins|un|uno|een|jeden|ett)\s+(?:to|bis|à|a|al|tot|do|till)\s+(?:5|10|five|ten|fünf|zehn|cinq|"
    r"dix|cinque|dieci|cinco|diez|vijf|tien|pięciu|dziesięciu|fem|tio)\b)"
)
ABOUT_US = re.compile(
    r"\b(?:uns|us|unser\w*|our|nous|notre|nos|noi|nostr\w*|nosotros|nuestr\w*|ons|onze|nas|nasz\w*|oss|vår\w*|"
    r"service|servizio|servicio|trato|dienstverlening|obsług\w*|seller|verkäufer|vendeur|venditore|vendedor|verkoper|"
    r"sprzedawc\w*|säljare|experience|erfahrung|expérience|esperienza|experiencia|ervaring|doświadcz\w*|upplevelse|"
    r"zufrieden|satisf\w*|content[oa]|tevreden|zadowol\w*|nöjd)\b"
)
# asking the buyer to delete or change what they wrote about the product
BUYER_POST = re.compile(
    r"\b(?:ihr\w*|your|votre|vostro|vostra|suo|sua|su|uw|pan\w*|twój|twoj\w*|swoj\w*|swą|ditt|din)\s+(?:\w+\s+)?(?:beitrag|"
    r"kommentar|eintrag|comment|commentaire|commento|comentario|reactie|wpis|komentarz|inlägg|kommentar|review|"
    r"bewertung|avis|recensione|reseña|recensie|recenzj\w*|recension|opini\w*|ocen\w*|omdöme)\b|what you (?:wrote|posted|said)|"
    r"was sie (?:\w+\s+){0,4}geschrieben|ce que vous avez écrit|quello che ha scritto|lo que (?:escribió|ha escrito)|"
    r"wat u (?:schreef|hebt geschreven|heeft geschreven)|co pan\w* napisał\w*|det du skrev|"
    r"(?:geschrieben|wrote|écrit|scritto|escribió|geschreven|napisał\w*|skrev)\b[^.!?]{0,40}\b(?:produktseite|"
    r"product page|page (?:du )?produit|fiche (?:du )?produit|pagina del prodotto|ficha del producto|"
    r"página del producto|productpagina|stronie produktu|produktsidan)"
)
CHANGING = re.compile(
    r"\b(?:lösch\w*|entfern\w*|aktualisier\w*|änder\w*|zurückzieh\w*|updat\w*|remov\w*|delet\w*|chang\w*|edit\w*|"
    r"withdraw\w*|retir\w*|supprim\w*|mettre à jour|modifi\w*|toglie\w*|rimuov\w*|aggiorna\w*|borra\w*|elimin\w*|"
    r"actualiz\w*|quita\w*|verwijder\w*|aanpass\w*|wijzig\w*|usun\w*|zaktualiz\w*|zmieni\w*|ta bort|uppdater\w*|"
    r"ändra\w*|ompröva|zmian\w*|revoir|rivedere|revisar|herzien|se över|reconsider\w*|überdenken|reconsidér\w*|riconsider\w*|reconsider\w*|heroverw\w*)"
)
RULES: dict[str, tuple[str, ...]] = {
    "incentive": INCENTIVE,
    "off_amazon_contact": OFF_AMAZON,
    "marketing": MARKETING,
    "opt_out": OPT_OUT,
}
COMPILED = {rule: tuple(re.compile(p) for p in patterns) for rule, patterns in RULES.items()}
REVIEW_COMPILED = tuple(re.compile(p) for p in REVIEW_ALWAYS)


def reading(text: str) -> str:
    """The text lower-cased with leetspeak inside words folded (r3view → review, 0pinia → opinia)."""
    lowered = text.lower()
    return LEET_WORD.sub(lambda m: m.group(0).translate(LEET), lowered)


def findings(text: str, extra: dict[str, tuple[str, ...]] | None = None) -> Iterator[tuple[str, int, int]]:
    """(rule, start, end) of the first match of each wording rule (the text and the reading have equal lengths)."""
    read = reading(text)
    review = _review(read)
    if review is not None:
        yield "review_request", *review
    for rule, patterns in {**{r: () for r in extra or {} if r != "review_request"}, **COMPILED}.items():
        own = tuple(re.compile(p) for p in (extra or {}).get(rule, ()))
        for p in (
            *patterns,
            *own,
        ):  # the extras carry their own context (and may ask for no negation before them)
            hit = next(
                (
                    h
                    for h in p.finditer(read)
                    if (stands(rule, p, read, h) if p in own else claim_counts(rule, read, h))
                ),
                None,
            )
            if hit:
                yield rule, hit.start(), hit.end()
                break
    for extra_pattern in (extra or {}).get("review_request", ()):
        found = re.search(extra_pattern, read)
        if found and review is None:
            yield "review_request", found.start(), found.end()
            break


def _review(read: str) -> tuple[int, int] | None:
    for pattern in REVIEW_COMPILED:
        for hit in pattern.finditer(read):
            around = sentence_of(read, hit, ".!?\n")
            if not STARS_HARMLESS.search(around) and not MENTIONED.search(around):
                return hit.start(), hit.end()
    for sentence in SENTENCE.finditer(read):
        part = sentence.group(0)
        noun = REVIEW_NOUN.search(part)
        if noun and REVIEW_ASK.search(part) and not REVIEW_HARMLESS.search(part):
            return sentence.start() + noun.start(), sentence.start() + noun.end()
        others = OTHER_BUYERS.search(part)
        if others and TELLING.search(part) and REVIEW_ASK.search(part):
            return sentence.start() + others.start(), sentence.start() + others.end()
        scale = SCALE.search(part)
        if scale and ABOUT_US.search(part):
            return sentence.start() + scale.start(), sentence.start() + scale.end()
    for post in BUYER_POST.finditer(read):
        if CHANGING.search(read, max(0, post.start() - 250), post.end() + 250):
            return post.start(), post.end()
    return None
