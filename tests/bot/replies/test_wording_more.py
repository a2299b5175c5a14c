"""The guard's further wording (pt, ja, and phrasings shared by every language), through the Policy as a reply meets it."""

from __future__ import annotations

import pytest

from bot.replies.guard import Policy
from bot.replies.wording_more import MORE_WORDS

POLICY = Policy.from_settings([], [])


def rules(text: str, lang: str) -> set[str]:
    return {v.rule for v in POLICY.check(text, lang=lang)}


@pytest.mark.parametrize(
    ("text", "lang", "rule"),
    [
        ("Se puder, deixe sua avaliação na página do produto, isso nos ajuda muito.", "pt", "review_request"),
        ("Mandamos um brinde se o senhor mudar a avaliação para cinco estrelas.", "pt", "incentive"),
        ("Temos mais cores na nossa loja do Mercado Livre.", "pt", "off_amazon_contact"),
        ("Responda SAIR para não receber mais mensagens.", "pt", "opt_out"),
        ("Envie as fotos para contato arroba minhaloja ponto com ponto br.", "pt", "email_address"),
        ("商品ページにレビューを投稿していただけますと幸いです。", "ja", "review_request"),
        ("高評価のお礼として、次回は送料無料にいたします。", "ja", "incentive"),
        ("メルカリの当店ページでも販売しております。", "ja", "off_amazon_contact"),
        ("今週末は全品セールを開催します。", "ja", "marketing"),
        ("Erzählen Sie gern anderen Käufern, wie zufrieden Sie mit uns waren.", "de", "review_request"),
        ("Could you share your impressions of our shop on Amazon?", "en", "review_request"),
        ("Am besten klären wir das außerhalb von Amazon.", "de", "off_amazon_contact"),
        ("If you withdraw the claim today, a second pump comes free.", "en", "incentive"),
        ("Si vous annulez la réclamation, nous vous offrons un cadeau.", "fr", "incentive"),
        ("Se retirar a reclamação, mandamos um brinde.", "pt", "incentive"),
        ("Conta pros outros clientes como ele está funcionando!", "pt", "review_request"),
        ("Ficaríamos muito felizes com uma avaliação de 5 estrelas.", "pt", "review_request"),
        ("Please pay us outside Amazon by bank transfer, it is cheaper.", "en", "off_amazon_contact"),
        ("新商品のご案内です。ぜひご覧ください。", "ja", "marketing"),
        ("LINE IDを教えていただければ直接ご連絡します。", "ja", "off_amazon_contact"),
        ("商品の評価をお願いします。", "ja", "review_request"),
        ("Kein Problem, wir klären das außerhalb von Amazon per Überweisung.", "de", "off_amazon_contact"),
        ("Você pode pagar no Pix fora da Amazon.", "pt", "off_amazon_contact"),
        ("If you withdraw your complaint, you get a free pump.", "en", "incentive"),
        (
            "Wenn Sie die A-bis-Z-Garantie zurückziehen, schenken wir Ihnen einen Gutschein.",
            "de",
            "incentive",
        ),
        ("今週末は全品セールです。", "ja", "marketing"),
        ("夏のキャンペーン中です！", "ja", "marketing"),
        ("新商品が入荷しました。", "ja", "marketing"),
        ("セールを実施しています。", "ja", "marketing"),
        ("Poderia avaliar nossa loja?", "pt", "review_request"),
        ("Por favor avalie com 5 estrelas", "pt", "review_request"),
        ("Favor avaliar o produto com nota 5.", "pt", "review_request"),
        ("Agradecemos se puder avaliar o produto.", "pt", "review_request"),
        ("Por favor, dê sua opinião sobre o produto na Amazon.", "pt", "review_request"),
        ("Why not order outside Amazon and save 10%?", "en", "off_amazon_contact"),
        ("Don't wait: outside Amazon it is cheaper.", "en", "off_amazon_contact"),
        ("Se ritira il reclamo, le regaliamo un buono.", "it", "incentive"),
        (
            "Den Betrag schicken Sie uns am besten per PayPal, dann geht das Paket heute raus.",
            "de",
            "off_amazon_contact",
        ),
        ("Puede pagárnoslo por Bizum y lo enviamos hoy mismo.", "es", "off_amazon_contact"),
        ("Manda um direct pra gente no Insta com o vídeo.", "pt", "off_amazon_contact"),
        ("Caso não queira mais receber nossas dicas, basta digitar PARAR.", "pt", "opt_out"),
        # a third review: gift cards Amazon's by name but given by the seller, conditions, reassurances
        ("If you change your rating, we'll send you an Amazon gift card.", "en", "incentive"),
        ("Wir legen Ihrer nächsten Bestellung einen Amazon-Gutschein über 10 € bei.", "de", "incentive"),
        ("Si no quiere esperar, lo resolvemos fuera de Amazon.", "es", "off_amazon_contact"),
        ("Kein Thema, wir klären das außerhalb von Amazon.", "de", "off_amazon_contact"),
        ("If you don't want to wait, pay us via PayPal.", "en", "off_amazon_contact"),
        ("Não se preocupe, pode nos pagar por Pix.", "pt", "off_amazon_contact"),
        ("申し訳ございませんが、差額を下記口座にお振込みください。", "ja", "off_amazon_contact"),
        ("Avalie nossa loja na Amazon, isso nos ajuda muito.", "pt", "review_request"),
        ("Please note that we would be very grateful for your feedback on Amazon.", "en", "review_request"),
    ],
)
def test_forbidden_wording_is_found(text: str, lang: str, rule: str) -> None:
    assert rule in rules(text, lang)


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("A avaliação técnica confirmou o defeito; o reembolso foi feito pela Amazon.", "pt"),
        ("Enviamos uma troca grátis, pois o produto chegou quebrado.", "pt"),
        ("いただいたご評価は真摯に受け止め、検品体制を見直してまいります。", "ja"),
        ("交換品は明日ヤマト運輸で発送いたします。", "ja"),
        ("Our review of your complaint is finished: the refund goes through Amazon today.", "en"),
        ("Die Artikelnummer des Ersatzteils lautet 4711-203-55.", "de"),
        # found by an outside review: ordinary sentences the round-5 wording refused
        ("Vous pouvez retirer votre colis gratuitement au point relais jusqu'à vendredi.", "fr"),
        ("Vous pouvez annuler la commande gratuitement tant qu'elle n'est pas expédiée.", "fr"),
        ("Puede cancelar el pedido de forma gratuita hasta que salga del almacén.", "es"),
        ("Caso o produto apresente outro defeito, enviaremos uma nova unidade.", "pt"),
        ("Se o senhor retirar o pacote na agência, o frete de volta é grátis.", "pt"),
        ("Por favor, envie fotos para que possamos avaliar o dano.", "pt"),
        ("Podemos avaliar o dano assim que recebermos as fotos da caixa.", "pt"),
        ("Agradecemos o seu comentário sobre a embalagem; vamos melhorá-la.", "pt"),
        ("Por favor, indíquenos en un comentario el número de serie de la placa.", "es"),
        ("We have contacted other customers who received the same batch.", "en"),
        ("Nous partageons votre avis : ce retard n'est pas acceptable de notre part.", "fr"),
        ("Wij delen uw mening: dit had niet mogen gebeuren bij ons.", "nl"),
        ("Bitte teilen Sie uns Ihre Erfahrungen mit dem Ersatzgerät mit, damit wir helfen können.", "de"),
        ("According to the guideline ideally the filter is changed every three months.", "en"),
        ("Please do not pay outside Amazon; the refund is made through your Amazon order.", "en"),
        ("Bitte zahlen Sie nichts außerhalb von Amazon, die Erstattung läuft über Ihre Bestellung.", "de"),
        ("新商品と交換させていただきます。明日発送いたします。", "ja"),
        ("セール期間中のご注文でしたが、価格の差額は返金いたしません。", "ja"),
        ("製品の評価を行いますので、少々お待ちください。", "ja"),
        ("返品を取り下げる場合も、送料は無料です。", "ja"),
        ("Wenn Sie den Antrag zurückziehen, senden wir das Ersatzteil trotzdem kostenlos.", "de"),
        # a second outside review: no condition, or a gift regardless, is no incentive; "online" is no phone word
        (
            "Für Ihre Reklamation schicken Sie das Gerät bitte zurück, das Rücksendeetikett ist kostenlos.",
            "de",
        ),
        ("Bei einem Garantiefall senden Sie es einfach zurück, der Versand ist kostenlos.", "de"),
        ("A reclamação foi analisada; cancelamos o pedido e enviamos outro grátis.", "pt"),
        ("Once your claim is closed we still send the free replacement.", "en"),
        ("Your tracking number, also shown online, is 0301234567.", "en"),
        ("伝票番号（オンラインでも確認できます）は 0312345678 です。", "ja"),
        # a third outside review: the seller closing an approved claim, negations further back, back orders
        ("If your warranty claim is approved, we will close it and send you a free replacement.", "en"),
        ("If your complaint is justified, we will close it and send you a free replacement.", "en"),
        ("Wenn Ihre Reklamation berechtigt ist, schließen wir sie und senden Ihnen kostenlos Ersatz.", "de"),
        ("We do not ask you to pay outside of Amazon under any circumstances.", "en"),
        ("We accept no payments outside Amazon.", "en"),
        ("新商品の入荷が遅れており、申し訳ございません。", "ja"),
        ("ご注文の新作は入荷次第発送いたします。", "ja"),
        ("La référence du support mural est 0123 456 789.", "fr"),
        ("Die Artikelnummer der Handy-Halterung lautet 0301 234567.", "de"),
        ("Invoice no. 0031 20 123 4567", "en"),
        ("SN 0049-30-1234567", "en"),
        # set 9's lessons: warnings about scams, Amazon's own gift cards, app settings, reviews the buyer mentions
        (
            "Wir fordern niemals Zahlungen per Überweisung an; reagieren Sie bitte nicht auf solche Mails.",
            "de",
        ),
        ("The refund goes back to your Amazon gift card balance and the rest to your Visa card.", "en"),
        ("Pour ne plus recevoir les notifications de l'application, allez dans Réglages.", "fr"),
        ("Die Kundenrezension, die Sie erwähnen, betrifft das Vorgängermodell.", "de"),
        ("The ideal solution: send us a photo of the label.", "en"),
        ("If you paid with PayPal, the refund goes back to PayPal.", "en"),
        ("Como você pagou com boleto, a Amazon fará o reembolso na sua conta.", "pt"),
        ("Der Kakao ist laktosefrei und glutenfrei.", "de"),
        ("Den QR-Code für die Rücksendung finden Sie auf der Seite Meine Bestellungen.", "de"),
        ("Por favor, lea la nota 1 del manual antes del montaje.", "es"),
        ("Por favor, aguarde a avaliação da sua devolução.", "pt"),
        ("Por favor, avalie o produto com cuidado antes de usar.", "pt"),
    ],
)
def test_ordinary_replies_pass(text: str, lang: str) -> None:
    assert rules(text, lang) == set()


def test_every_pattern_compiles_and_names_a_rule_of_the_guard() -> None:
    import re

    from bot.replies.guard import MESSAGES

    assert set(MORE_WORDS) <= set(MESSAGES)
    for patterns in MORE_WORDS.values():
        for pattern in patterns:
            re.compile(pattern)
