"""Point 8 of issue 18: no English or developer text on screens.

Loads the demo once, then, as the admin, the company manager (dangwei), a branch manager
(zhibu) and a member (dangyuan), crawls the site from the home page — every page linked
from a page already seen, GET only, no downloads — and fails on words on a screen that are
untranslated framework text or raw field names: ASCII words of four or more letters with a
lower-case letter (codes such as BXDW are upper case), and ``snake_case`` names, outside
the allowed product terms below and the accounts' user names.
"""

from __future__ import annotations

import io
import re
from html.parser import HTMLParser
from urllib.parse import urldefrag, urlsplit

import pytest
from django.core.management import call_command
from django.test import Client

from lianjian.accounts.models import User
from tests.conftest import module_transaction

# Words that belong on a screen: product and format names. Keep this list short: a word
# here must be one a Chinese user of the product would expect to read in Latin letters.
ALLOWED = {
    "Excel",
    "excel",
    "xlsx",
    "Bearer",
    "Token",
    "token",
    "OpenAPI",
    "openapi",
    "json",
    "JSON",
    "Swagger",
    "docs",
    "https",
    "http",
    "localhost",
    "lianjian",
    "Lianjian",
    "Tabler",
    "ECharts",
    "Demo",
    "pinyin",
    "htmx",
}
PAGES_PER_PERSONA = 70
SKIP = re.compile(
    r"/(logout|export|download|api|static|media)(/|$)|\.(xlsx|csv|json|pdf|png|jpg|svg)$|/checkin/|/print/"
)
WORD = re.compile(r"(?<![A-Za-z0-9_@./:-])([A-Za-z][A-Za-z_]{3,})(?![A-Za-z0-9_@:/-])")


class _Text(HTMLParser):
    """The text a person reads: data outside script/style, plus titles and placeholders."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.links: list[str] = []
        self._skip = 0
        self._code = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        self._code = tag == "code"
        values = dict(attrs)
        for name in ("title", "placeholder", "aria-label", "alt"):
            if values.get(name):
                self.parts.append(values[name] or "")
        if tag == "a" and values.get("href"):
            self.links.append(values["href"] or "")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        # A command line shown to administrators (<code>lianjian import</code>) is not prose.
        if not self._skip and not (self._code and data.startswith("lianjian ")):
            self.parts.append(data)
        self._code = False


def suspicious(text: str, allowed: set[str]) -> set[str]:
    found = set()
    for word in WORD.findall(text):
        if word in allowed or word.isupper():
            continue
        if "_" in word or any(c.islower() for c in word):
            found.add(word)
    return found


def test_the_detector_catches_what_was_seen_and_spares_codes():
    seen = (
        "This password is too short. 参数 geo_scale_km：1 → 0.952381 BXDW BX-ZB19 LJW-P1-01 Excel"
    )
    assert suspicious(seen, ALLOWED) == {"This", "password", "short", "geo_scale_km"}


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with module_transaction(django_db_blocker):
        call_command("demo", stdout=io.StringIO())
        yield


@pytest.mark.django_db
@pytest.mark.parametrize("username", ["admin", "dangwei", "zhibu", "dangyuan"])
def test_no_screen_shows_english_or_developer_text(demo, username, settings):
    settings.DEBUG = False
    user = User.objects.get(username=username)
    allowed = ALLOWED | set(User.objects.values_list("username", flat=True))
    client = Client()
    client.force_login(user)
    queue, seen, problems = ["/"], set(), {}
    while queue and len(seen) < PAGES_PER_PERSONA:
        url = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        response = client.get(url)
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        parser = _Text()
        parser.feed(response.content.decode())
        for word in sorted(suspicious(" ".join(parser.parts), allowed)):
            problems.setdefault(word, url)  # each word once, with the first page showing it
        for href in parser.links:
            href = urldefrag(href)[0]
            parts = urlsplit(href)
            if parts.scheme or parts.netloc or not href.startswith("/") or SKIP.search(parts.path):
                continue
            # one page per path: query variants (filters, pages) repeat the same screen
            path = parts.path
            if (
                path not in seen
                and path not in queue
                and not any(s.split("?")[0] == path for s in seen)
            ):
                queue.append(href if "page=" not in href else path)
    assert len(seen) >= 30, seen
    assert problems == {}, "\n" + "\n".join(f"{w}: {u}" for w, u in sorted(problems.items()))
