"""Advocates in their own language (issue 23), in a real browser on a phone-wide screen: the
advocate's pages in German (the browser's language), then Japanese (chosen on the profile),
each page in its language (`html[lang]`), none wider than the screen, and no text of the
portal's own left in English (a line the catalog translates, shown as its English)."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import url_for

from portal.advocates.models import Advocate
from portal.asks.models import Ask
from portal.extensions import db
from tests.browser.test_smoke import DEMO_PASSWORD

pytestmark = pytest.mark.browser

EMAIL = "advocate@demo.example"
WIDTH = 375
SHOTS = Path(__file__).resolve().parents[2] / "screenshots" / "languages"


def advocate_pages(live_app) -> dict[str, str]:
    with live_app.app_context():
        advocate = db.session.scalar(sa.select(Advocate).where(Advocate.email == EMAIL))
        ask_id = db.session.scalar(
            sa.select(Ask.id).where(Ask.advocate_id == advocate.id).order_by(Ask.id).limit(1)
        )
        with live_app.test_request_context():
            pages = {
                "home": url_for("me.home"),
                "ask": url_for("me.ask", ask_id=ask_id),
                "preferences": url_for("me.preferences"),
                "profile": url_for("me.profile"),
                "history": url_for("me.history"),
                "benefits": url_for("benefits.catalog"),
                "points": url_for("benefits.points"),
            }
        db.session.remove()
    return pages


def choose_locale(live_app, locale: str | None) -> None:
    with live_app.app_context():
        advocate = db.session.scalar(sa.select(Advocate).where(Advocate.email == EMAIL))
        advocate.locale = locale
        db.session.commit()
        db.session.remove()


def sign_in_any_language(page, email: str) -> None:
    """Sign in by the fields' names, whatever language the page is in."""
    page.goto("/")
    page.locator("input[name=email]").fill(email)
    page.locator("input[name=password]").fill(DEMO_PASSWORD)
    page.locator("form button[type=submit]").first.click()
    page.wait_for_load_state()
    if "/me/terms" in page.url:
        page.locator("input[name=agree]").check()
        page.locator("form button[type=submit]").first.click()
        page.wait_for_load_state()


def visible_text(page) -> str:
    """What the page shows: its header (menus) and main part."""
    return page.locator("body").inner_text()


@cache
def english_phrases(locale: str) -> frozenset[str]:
    """The portal's own English texts that the locale's catalog translates otherwise: plain
    ones (no placeholders or markup) of at least two words, which no page's data would show
    word for word."""
    from babel.messages.pofile import read_po

    path = Path(__file__).resolve().parents[2] / "portal" / "translations" / locale
    with (path / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle, locale=locale)
    return frozenset(
        message.id
        for message in catalog
        if isinstance(message.id, str)
        and isinstance(message.string, str)
        and message.string
        and message.string != message.id
        and len(message.id.split()) >= 2
        and not re.search(r"[%<>&{]", message.id)
    )


def untranslated(page, locale: str) -> list[str]:
    """The portal's English texts the page shows (each a whole line, or inside one)."""
    lines = [line.strip() for line in visible_text(page).splitlines() if line.strip()]
    return sorted(
        phrase
        for phrase in english_phrases(locale)
        if any(line == phrase or (len(phrase.split()) >= 4 and phrase in line) for line in lines)
    )


def check_pages(page, pages: dict[str, str], locale: str) -> None:
    for name, path in pages.items():
        page.goto(path)
        page.wait_for_load_state("load")
        assert page.locator("html").get_attribute("lang") == locale, (name, path)
        width = page.evaluate("document.documentElement.scrollWidth")
        page.screenshot(path=str(SHOTS / f"{locale}-{name}.png"), full_page=True)
        assert width <= WIDTH, f"{path} in {locale} is {width}px wide on a {WIDTH}px screen"
        assert untranslated(page, locale) == [], f"{path} in {locale} shows English"


def test_advocate_pages_in_german_then_japanese_on_a_phone(page, live_app, demo_program):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": WIDTH, "height": 800})
    pages = advocate_pages(live_app)
    page.set_extra_http_headers({"Accept-Language": "de-DE,de;q=0.9,en;q=0.5"})
    sign_in_any_language(page, EMAIL)
    check_pages(page, pages, "de")
    choose_locale(live_app, "ja")  # the profile's choice wins over the browser's German
    check_pages(page, pages, "ja")
