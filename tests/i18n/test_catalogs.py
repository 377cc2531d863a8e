"""Every catalog is complete for what advocates read, and up to date with the code (issue 23).

The messages are extracted from the sources as `make i18n-extract` does (babel.cfg). Each one
that an advocate-facing template or module uses must have a translation in every shipped
language, not marked fuzzy, with the same placeholders as the English text; the catalogs must
compile. Staff strings are marked but shipped in English, so they may stay untranslated.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from portal.i18n import LOCALES
from tests.i18n.test_marked_strings import ADVOCATE_TEMPLATES, EMAIL_TEMPLATES

ROOT = Path(__file__).resolve().parents[2]
CATALOGS = ROOT / "portal" / "translations"
# Modules whose strings an advocate reads (flash messages, form labels and errors, the refusals
# of their own actions, the vocabulary's words, the subjects of their messages).
ADVOCATE_MODULES = [
    "portal/advocates/views.py",
    "portal/advocates/forms.py",
    "portal/advocates/service.py",
    "portal/advocates/self_service.py",
    "portal/advocates/preferences.py",
    "portal/advocates/privacy.py",
    "portal/asks/asks.py",
    "portal/asks/completion.py",
    "portal/asks/placing.py",
    "portal/asks/requests.py",
    "portal/asks/reminders.py",
    "portal/asks/slots.py",
    "portal/asks/slot_views.py",
    "portal/auth/forms.py",
    "portal/auth/views.py",
    "portal/auth/service.py",
    "portal/auth/magic.py",
    "portal/benefits/views.py",
    "portal/benefits/forms.py",
    "portal/benefits/capacity.py",
    "portal/benefits/catalog.py",
    "portal/benefits/claims.py",
    "portal/benefits/eligibility.py",
    "portal/benefits/ledger.py",
    "portal/dashboard/service.py",
    "portal/nominations/forms.py",
    "portal/nominations/public_views.py",
    "portal/notifications/views.py",
    "portal/notifications/service.py",
    "portal/notifications/settings.py",
    "portal/notifications/calendar.py",
    "portal/notifications/digest.py",
    "portal/program/terms.py",
    "portal/recruiting/pipeline.py",
    "portal/thanks/service.py",
    "portal/thanks/forms.py",
    "portal/thanks/views.py",
    "portal/validation.py",
    "portal/vocab_words.py",
]
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]|%[sd]")


def _advocate_facing(location: str) -> bool:
    path = location.split(":")[0]
    if path in ADVOCATE_MODULES:
        return True
    if not path.startswith("templates/"):
        return False
    name = path.removeprefix("templates/")
    return any(Path(name).match(pattern) for pattern in ADVOCATE_TEMPLATES + EMAIL_TEMPLATES)


@pytest.fixture(scope="module")
def extracted(tmp_path_factory):
    """The messages of the sources now, as `make i18n-extract` writes them."""
    target = tmp_path_factory.mktemp("i18n") / "messages.pot"
    pybabel = Path(sys.executable).with_name("pybabel")
    subprocess.run(  # noqa: S603 (our own pybabel, fixed arguments)
        [str(pybabel), "-q", "extract", "-F", "babel.cfg", "-k", "lazy_gettext", "-k", "_l",
         "-k", "N_", "-k", "ngettext:1,2", "--omit-header", "-o", str(target), "."],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )  # fmt: skip
    with target.open("rb") as handle:
        return read_po(handle)


def _wanted(extracted) -> dict:
    wanted = {}
    for message in extracted:
        if message.id and any(_advocate_facing(path) for path, _line in message.locations):
            wanted[message.id if isinstance(message.id, str) else message.id[0]] = message
    return wanted


def test_advocate_facing_messages_are_found(extracted):
    """The extraction sees the advocate's pages (else every check below would pass on nothing)."""
    wanted = _wanted(extracted)
    assert len(wanted) > 200
    assert any("templates/advocates/portal/" in p for m in wanted.values() for p, _ in m.locations)
    assert any("notifications/email/" in p for m in wanted.values() for p, _ in m.locations)


@pytest.mark.parametrize("locale", [code for code in LOCALES if code != "en"])
def test_every_advocate_facing_message_is_translated(extracted, locale):
    path = CATALOGS / locale / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=locale)
    problems = []
    for key, message in _wanted(extracted).items():
        found = catalog.get(message.id)
        where = f"{message.locations[0][0]}:{message.locations[0][1]}"
        if found is None:
            problems.append(f"missing (run make i18n-update): {key!r} ({where})")
            continue
        texts = found.string if isinstance(found.string, tuple | list) else (found.string,)
        if not all(texts) or found.fuzzy:
            problems.append(f"untranslated{' (fuzzy)' if found.fuzzy else ''}: {key!r} ({where})")
            continue
        english = set(PLACEHOLDER.findall(key if isinstance(key, str) else key[0]))
        for text in texts:
            if set(PLACEHOLDER.findall(text)) != english:
                problems.append(f"placeholders differ: {key!r} -> {text!r}")
    assert problems == [], f"{len(problems)} problems in {locale}:\n" + "\n".join(problems[:40])


@pytest.mark.parametrize("locale", [code for code in LOCALES if code != "en"])
def test_every_catalog_compiles(locale, tmp_path):
    path = CATALOGS / locale / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=locale)
    errors = [(message.id, error) for message, error in catalog.check() if error]
    assert errors == []
    with (tmp_path / "messages.mo").open("wb") as handle:
        write_mo(handle, catalog)


def test_every_word_of_the_vocabulary_is_listed_for_the_catalogs():
    """`label()` makes its words at run time, so `portal.vocab_words` lists them for
    `pybabel extract`: a key added to a vocabulary without its words there fails here."""
    from portal import vocab
    from portal.vocab_words import WORDS

    listed = set(WORDS.values())
    fixed = {vocab.REGIONS, vocab.SENIORITIES}  # the administrators' own words (taxonomy)
    missing = sorted(
        f"{name}: {key}"
        for name in dir(vocab)
        if name.isupper() and isinstance(getattr(vocab, name), tuple)
        and getattr(vocab, name) not in fixed
        for key in getattr(vocab, name)
        if isinstance(key, str) and (vocab.LABELS.get(key) or key.replace("_", " ").capitalize())
        not in listed
    )  # fmt: skip
    assert missing == []
