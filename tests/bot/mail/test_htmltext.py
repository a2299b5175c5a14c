"""HTML mail bodies to plain text: visible text, paragraphs, quotes and links."""

from __future__ import annotations

from bot.mail.htmltext import html_to_text


def test_block_elements_become_lines_and_blank_runs_collapse() -> None:
    text, _ = html_to_text(
        "<div>Hello</div><p>Where is</p><p></p><p></p><p>my order?</p><ul><li>a</li><li>b</li></ul>"
    )
    assert text == "Hello\n\nWhere is\n\nmy order?\n\na\n\nb"


def test_line_breaks_split_and_inline_elements_do_not() -> None:
    text, _ = html_to_text("Line <b>one</b> and <i>more</i><br>line two<br/>line three")
    assert text.split("\n") == ["Line one and more", "line two", "", "line three"]


def test_style_script_head_and_title_are_not_visible() -> None:
    markup = (
        "<html><head><title>Amazon</title><style>p { color: red }</style></head>"
        "<body><script>var x = 1;</script><p>Only this</p><template><p>nor this</p></template></body></html>"
    )
    text, _ = html_to_text(markup)
    assert text == "Only this"


def test_entities_and_non_breaking_spaces_become_plain_characters() -> None:
    text, _ = html_to_text("<p>Fish&nbsp;&amp;&nbsp;chips &lt;3 &#65;&#x42; &euro;</p>")
    assert text == "Fish & chips <3 AB €"


def test_runs_of_spaces_and_tabs_shrink_to_one_and_lines_are_trimmed() -> None:
    text, _ = html_to_text("<p>   a \t\t  b   </p>\n\n\n<p>  c</p>")
    assert text == "a b\n\nc"


def test_blockquotes_become_quoted_lines() -> None:
    text, _ = html_to_text("<p>Thanks!</p><blockquote>Your parcel<br>is on its way</blockquote><p>after</p>")
    assert text == "Thanks!\n\n> Your parcel\n> is on its way\n\nafter"


def test_links_are_returned_in_order_without_empty_hrefs() -> None:
    markup = '<a href="https://a.example/1">one</a> <a>no href</a> <a href="">empty</a> <a href="https://b.example/2">two</a>'
    text, links = html_to_text(markup)
    assert links == ["https://a.example/1", "https://b.example/2"]
    assert text == "one no href empty two"


def test_empty_and_unclosed_markup_are_tolerated() -> None:
    assert html_to_text("") == ("", [])
    assert html_to_text("<p>unclosed <b>bold") == ("unclosed bold", [])
    assert html_to_text("</blockquote></style>after") == ("after", [])


def test_markup_the_parser_gives_up_on_keeps_the_text_read_so_far() -> None:
    # the standard library's parser raises on an unknown marked section; the text before it is kept
    text, _ = html_to_text("<p>Where is my order?</p><![foo bar]>")
    assert text.startswith("Where is my order?")


def test_table_cells_stay_apart_and_a_label_row_reads_as_label_and_value() -> None:
    text, _ = html_to_text(
        "<table><tr><td>Kunde</td><td>Sabine Hoffmann</td></tr>"
        "<tr><th>Artikel</th><th>Menge</th><th>Preis</th></tr><tr><td>Bestellnummer:</td><td>302-1</td></tr>"
        "<tr><th>Buyer</th><th>Order ID</th></tr><tr><th>Käufer</th><td>Max</td></tr></table>"
    )
    assert text.split("\n") == [
        "Kunde: Sabine Hoffmann",
        "",
        "Artikel Menge Preis",
        "",
        "Bestellnummer: 302-1",
        "",
        "Buyer Order ID",  # column titles, not a label and its value
        "",
        "Käufer: Max",
    ]
