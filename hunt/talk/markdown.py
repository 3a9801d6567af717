"""Comment Markdown to safe HTML: markdown-it-py renders, nh3 cleans with a strict allowlist.

Two layers, so that a mistake in one is caught by the other:

1. markdown-it-py with raw HTML switched off (any `<tag>` a volunteer types is shown as text), link
   validation narrowed to http, https, mailto and relative URLs, and images limited to our own files.
2. nh3 (the Rust `ammonia` sanitiser) keeps only the tags, attributes and URL schemes listed below, drops
   everything else (event handlers, `style`, SVG, iframes, `javascript:`/`data:` URLs), re-balances broken
   nesting and adds `rel="nofollow noopener noreferrer"` to every link.

Images: only from this site's media and static files (a path under MEDIA_URL or STATIC_URL). An image from
anywhere else would let its host log every reader's address and browser (a tracking pixel) and could
change after moderation; it becomes a plain link (http/https only) with its alt text instead.

#hashtags and @mentions are found in text only (never inside code, links or image text) and become links to
the tag's page and the user's page; an @name that is no user stays plain text.
"""

import posixpath
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

import nh3
from django.conf import settings
from django.urls import reverse
from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict

ALLOWED_TAGS = frozenset(
    {
        "p", "br", "hr", "strong", "em", "del", "s", "code", "pre", "blockquote", "ul", "ol", "li",
        "a", "img", "h3", "h4", "h5", "h6", "table", "thead", "tbody", "tr", "th", "td",
    }
)  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title"}, "ol": {"start"}}
ALLOWED_SCHEMES = frozenset({"http", "https", "mailto"})
LINK_REL = "nofollow noopener noreferrer"

# A tag starts with a letter (so "#1" stays an issue-style number) and is ASCII, 40 characters at most.
HASHTAG_RE = re.compile(r"(?<![\w&#/])#([a-z][a-z0-9_-]{0,39})", re.IGNORECASE | re.ASCII)
# Django usernames: letters, digits and . + - _ ; not preceded by a word character (an e-mail address).
MENTION_RE = re.compile(r"(?<![\w@/.+-])@([a-z0-9_][\w.+-]{0,149})", re.IGNORECASE | re.ASCII)
_SCHEME_RE = re.compile(r"^([a-z][a-z0-9+.-]*):", re.IGNORECASE)

_cleaner = nh3.Cleaner(
    tags=set(ALLOWED_TAGS),
    clean_content_tags={"script", "style"},
    attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
    url_schemes=set(ALLOWED_SCHEMES),
    link_rel=LINK_REL,
    allowed_classes={"a": {"hashtag", "mention"}},
    set_tag_attribute_values={"img": {"loading": "lazy"}},
    strip_comments=True,
)


@dataclass(frozen=True)
class Rendered:
    html: str
    tags: list[str]  # lower-case, first appearance first, no repeats
    mentions: list[str]  # usernames (as stored) of existing users, first appearance first


UserResolver = Callable[[set[str]], dict[str, str]]
"""Given lower-cased @names, returns {lower-cased name: username} for those that are users."""


def _scheme(url: str) -> str | None:
    match = _SCHEME_RE.match(url.strip())
    return match.group(1).lower() if match else None


def link_allowed(url: str) -> bool:
    """http, https, mailto, or relative (no scheme). Whitespace and control characters are trimmed first,
    as browsers do, so " javascript:..." is refused too."""
    cleaned = "".join(ch for ch in url if ch > " ").strip()
    scheme = _scheme(cleaned)
    return scheme is None or scheme in ALLOWED_SCHEMES


def image_allowed(src: str) -> bool:
    """Only our own media and static files: a site-relative path under MEDIA_URL or STATIC_URL.

    Judged on the path as the browser will request it: percent-decoded and with dot segments resolved, so
    `/media/../talk/mentions/` (a page that changes state when fetched) is not "under /media/". No query
    string or fragment either: a media file needs none.
    """
    if src.startswith("//") or _scheme(src) is not None or "\\" in src or "?" in src or "#" in src:
        return False
    decoded = unquote(src)
    if "\\" in decoded or any(ch < " " for ch in decoded):
        return False
    path = posixpath.normpath(decoded)
    if decoded.endswith("/") and not path.endswith("/"):
        path += "/"
    prefixes = [str(settings.MEDIA_URL), str(settings.STATIC_URL)]
    return any(
        prefix.startswith("/") and src.startswith(prefix) and path.startswith(prefix)
        for prefix in prefixes
    )


def _shift_headings(state: Any) -> None:
    # A comment sits under the page's h1/h2: "# Title" in a comment becomes an h3.
    for token in state.tokens:
        if token.type in ("heading_open", "heading_close"):
            token.tag = f"h{min(int(token.tag[1]) + 2, 6)}"


def _render_image(
    renderer: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    token = tokens[idx]
    src = str(token.attrGet("src") or "")
    alt = renderer.renderInlineAsText(token.children or [], options, env)
    if image_allowed(src):
        return RendererHTML.image(renderer, tokens, idx, options, env)
    escape = _escape
    if _scheme(src) in ("http", "https"):
        return f'<a href="{escape(src)}">{escape(alt or src)}</a>'
    return escape(alt)


def _escape(text: str) -> str:
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    )


def _build() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.enable(["table", "strikethrough"])
    md.validateLink = link_allowed  # type: ignore[method-assign]
    md.core.ruler.push("talk_headings", _shift_headings)
    md.add_render_rule("image", _render_image)
    return md


_md = _build()


def _link(href: str, text: str, css_class: str) -> list[Token]:
    return [
        Token("link_open", "a", 1, attrs={"href": href, "class": css_class}),
        Token("text", "", 0, content=text),
        Token("link_close", "a", -1),
    ]


def _candidates(tokens: Iterable[Token]) -> set[str]:
    names: set[str] = set()
    for token in _plain_text_tokens(tokens):
        names.update(_mention_name(m).lower() for m in MENTION_RE.finditer(token.content))
    names.discard("")
    return names


def _plain_text_tokens(tokens: Iterable[Token]) -> Iterable[Token]:
    """Text tokens outside links (code spans and images are tokens of their own and never yielded)."""
    for block in tokens:
        if block.type != "inline" or not block.children:
            continue
        depth = 0
        for child in block.children:
            if child.type == "link_open":
                depth += 1
            elif child.type == "link_close":
                depth -= 1
            elif child.type == "text" and depth == 0:
                yield child


def _mention_name(match: re.Match[str]) -> str:
    return match.group(1).rstrip(".+-")


def _tag_name(match: re.Match[str]) -> str:
    return match.group(1).rstrip("_-").lower()


def _split(
    text: str, known_users: dict[str, str], tags: list[str], mentions: list[str]
) -> list[Token] | None:
    """The text as text and link tokens, or None when it holds no hashtag and no known mention."""
    hits: list[tuple[int, int, list[Token]]] = []
    for match in HASHTAG_RE.finditer(text):
        name = _tag_name(match)
        end = match.start() + 1 + len(name)
        hits.append(
            (
                match.start(),
                end,
                _link(reverse("talk:tag", args=[name]), text[match.start() : end], "hashtag"),
            )
        )
        if name not in tags:
            tags.append(name)
    for match in MENTION_RE.finditer(text):
        name = _mention_name(match)
        username = known_users.get(name.lower())
        if username is None:
            continue
        end = match.start() + 1 + len(name)
        if any(start < end and match.start() < stop for start, stop, _ in hits):
            continue
        hits.append(
            (
                match.start(),
                end,
                _link(reverse("talk:user", args=[username]), text[match.start() : end], "mention"),
            )
        )
        if username not in mentions:
            mentions.append(username)
    if not hits:
        return None
    hits.sort(key=lambda hit: hit[0])
    out: list[Token] = []
    position = 0
    for start, end, link in hits:
        if start > position:
            out.append(Token("text", "", 0, content=text[position:start]))
        out.extend(link)
        position = end
    if position < len(text):
        out.append(Token("text", "", 0, content=text[position:]))
    return out


def _link_tags_and_mentions(
    tokens: list[Token], known_users: dict[str, str]
) -> tuple[list[str], list[str]]:
    tags: list[str] = []
    mentions: list[str] = []
    for block in tokens:
        if block.type != "inline" or not block.children:
            continue
        children: list[Token] = []
        depth = 0
        for child in block.children:
            if child.type == "link_open":
                depth += 1
            elif child.type == "link_close":
                depth -= 1
            replaced = None
            if child.type == "text" and depth == 0:
                replaced = _split(child.content, known_users, tags, mentions)
            children.extend(replaced if replaced is not None else [child])
        block.children = children
    return tags, mentions


def clean_html(html: str) -> str:
    """The allowlist sanitiser on its own (also the last step of `render`)."""
    return _cleaner.clean(html)


def render(source: str, *, resolve_users: UserResolver | None = None) -> Rendered:
    """Markdown source to sanitised HTML, with its #tags and the users it @mentions."""
    env: dict[str, Any] = {}
    tokens = _md.parse(source, env)
    candidates = _candidates(tokens)
    known = resolve_users(candidates) if (resolve_users and candidates) else {}
    tags, mentions = _link_tags_and_mentions(tokens, known)
    html = _md.renderer.render(tokens, _md.options, env)
    return Rendered(html=clean_html(html), tags=tags, mentions=mentions)
