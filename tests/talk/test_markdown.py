"""Comment Markdown renders to inert HTML: a corpus of hostile input, links, images, #tags and @mentions."""

from html.parser import HTMLParser

import pytest

from hunt.talk.markdown import render

HOSTILE = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<img src=x onerror=alert(1)>",
    '<a href="javascript:alert(1)">click</a>',
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click]( javascript:alert(1) )",
    "[click](java\tscript:alert(1))",
    "[click](&#106;avascript:alert(1))",
    "[click](vbscript:msgbox(1))",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    "![x](javascript:alert(1))",
    '![x" onerror="alert(1)](/media/a.png)',
    '![x](/media/a.png" onerror="alert(1))',
    "<svg onload=alert(1)><circle r=5 /></svg>",
    "<svg><script>alert(1)</script></svg>",
    '<math><mi xlink:href="javascript:alert(1)">x</mi></math>',
    '<iframe src="https://evil.example"></iframe>',
    '<object data="evil.swf"></object><embed src=evil.swf>',
    "<style>body{background:url(javascript:alert(1))}</style>",
    '<div style="background:url(javascript:alert(1))">x</div>',
    "<b onmouseover=alert(1)>hover</b>",
    "<p><b><i>broken</b> nesting</p></i><table><td>cell",
    "<!-- <script>alert(1)</script> -->",
    "<<script>alert(1)//<</script>",
    "[a](<javascript:alert(1)>)",
    "<javascript:alert(1)>",
    "[ref][r]\n\n[r]: javascript:alert(1)",
    "<a href='&#x6A;avascript:alert(1)'>x</a>",
    "``` html\n<script>alert(1)</script>\n```",
    "<form action=javascript:alert(1)><button>go</button></form>",
    '<base href="https://evil.example/"><meta http-equiv=refresh content=0;url=https://evil.example>',
    "#tag<script>alert(1)</script> @user<img src=x onerror=alert(1)>",
]

FORBIDDEN_TAGS = {
    "script", "svg", "iframe", "object", "embed", "style", "math", "form", "button", "base", "meta",
    "link", "input", "textarea", "div", "span",
}  # fmt: skip
VOID = {"br", "hr", "img"}


class _Tree(HTMLParser):
    """Records every element and attribute, and whether the nesting is balanced."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str, str]] = []
        self.stack: list[str] = []
        self.balanced = True

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attrs += [(tag, name, value or "") for name, value in attrs]
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attrs += [(tag, name, value or "") for name, value in attrs]

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack.pop() != tag:
            self.balanced = False


def _parse(html: str) -> _Tree:
    tree = _Tree()
    tree.feed(html)
    tree.close()
    return tree


@pytest.mark.parametrize("source", HOSTILE)
def test_hostile_markdown_renders_inert(source: str) -> None:
    html = render(source).html
    tree = _parse(html)

    assert tree.balanced, html
    assert not tree.stack, html
    assert not (set(tree.tags) & FORBIDDEN_TAGS), html
    assert "<script" not in html.lower()
    assert "<svg" not in html.lower()
    for _tag, name, value in tree.attrs:
        assert not name.startswith("on"), html
        assert name in {"href", "src", "alt", "title", "rel", "class", "loading", "start"}, html
        if name in ("href", "src"):
            scheme = value.split(":", 1)[0].strip().lower() if ":" in value.split("/")[0] else ""
            assert scheme in ("", "http", "https", "mailto"), html


def test_the_corpus_is_big_enough_to_mean_something() -> None:
    assert len(HOSTILE) >= 20


def test_plain_markdown_still_formats() -> None:
    html = render("**bold** _it_ ~~gone~~\n\n> quote\n\n- one\n- two\n\n`code`").html
    for fragment in ("<strong>bold</strong>", "<em>it</em>", "<s>gone</s>", "<blockquote>",
                     "<li>one</li>", "<code>code</code>"):  # fmt: skip
        assert fragment in html


def test_links_get_nofollow_and_only_safe_schemes_survive() -> None:
    html = render("[site](https://example.org) [mail](mailto:a@example.org) [local](/talk/)").html
    assert html.count('rel="nofollow noopener noreferrer"') == 3
    assert 'href="https://example.org"' in html
    assert 'href="mailto:a@example.org"' in html
    assert 'href="/talk/"' in html


def test_images_only_from_our_media_others_become_links() -> None:
    html = render("![ours](/media/cutouts/a.png) ![theirs](https://tracker.example/p.gif)").html
    assert '<img src="/media/cutouts/a.png" alt="ours"' in html
    assert '<img src="https://' not in html
    assert (
        '<a href="https://tracker.example/p.gif" rel="nofollow noopener noreferrer">theirs</a>'
        in html
    )


def test_headings_sit_below_the_page_headings() -> None:
    assert render("# Big\n\n## Smaller").html.startswith("<h3>Big</h3>\n<h4>Smaller</h4>")


def test_hashtags_link_to_tag_pages_lower_cased_and_deduplicated() -> None:
    rendered = render("Looks like a #Merger, maybe #lensing too. #merger!")
    assert rendered.tags == ["merger", "lensing"]
    assert (
        '<a href="/talk/tags/merger/" class="hashtag" rel="nofollow noopener noreferrer">#Merger</a>'
        in (rendered.html)
    )


def test_hashtags_are_not_found_in_code_links_numbers_or_words() -> None:
    rendered = render("`#code` [#linked](/x) issue #12 C#sharp url/#frag\n\n    #indented")
    assert rendered.tags == []
    assert 'class="hashtag"' not in rendered.html


def test_trailing_punctuation_is_not_part_of_a_tag_or_name() -> None:
    rendered = render("#artefact-, and @bob.", resolve_users=lambda names: {"bob": "bob"})
    assert rendered.tags == ["artefact"]
    assert rendered.mentions == ["bob"]
    assert ">@bob</a>." in rendered.html


def test_mentions_link_only_to_users_that_exist() -> None:
    asked: list[set[str]] = []

    def resolve(names: set[str]) -> dict[str, str]:
        asked.append(names)
        return {"alice": "Alice"} if "alice" in names else {}

    rendered = render("Thanks @alice and @nobody; mail bob@example.org", resolve_users=resolve)
    assert asked == [{"alice", "nobody"}]
    assert rendered.mentions == ["Alice"]
    assert '<a href="/talk/users/Alice/" class="mention"' in rendered.html
    assert "@nobody" in rendered.html
    assert "/talk/users/nobody/" not in rendered.html


def test_no_lookup_when_nobody_is_mentioned() -> None:
    def resolve(names: set[str]) -> dict[str, str]:
        raise AssertionError("no @ in the text, no query")

    assert render("no mentions here", resolve_users=resolve).mentions == []
