"""Checking input for services: every problem is collected and named by its field.

Pages and the API hand the same plain values (str, int, list, date) to a service; the service
checks them here and raises ValidationFailed with {field: why}, so a rule is written once.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from email_validator import EmailNotValidError, validate_email

from portal.errors import ValidationFailed
from portal.i18n import N_, gettext

_MISSING = object()
# Markup in free text is refused rather than stored (text is always shown escaped anyway).
_MARKUP = re.compile(r"<\s*[a-zA-Z/!?]|javascript:", re.IGNORECASE)
PLAIN_TEXT = N_("Please write plain text, without HTML tags.")  # gettext(PLAIN_TEXT) where shown


def has_markup(value: str | None) -> bool:
    return isinstance(value, str) and _MARKUP.search(value) is not None


def refuse_if_any(errors: dict[str, str]) -> None:
    """Raise ValidationFailed naming every bad field (the first in its message), if there is
    one."""
    if errors:
        first = next(iter(errors.items()))
        raise ValidationFailed(f"{first[0]}: {first[1]}", fields=errors)


def search_words(args, errors: dict[str, str], maximum: int) -> str:
    """The words a search asks for (the `q` argument), trimmed; a refusal goes into `errors`."""
    q = (args.get("q") or "").strip()
    if len(q) > maximum:
        errors["q"] = f"At most {maximum} characters."
    elif "\x00" in q:  # PostgreSQL refuses NUL bytes in text
        errors["q"] = "Remove the control character."
    return q


MONEY_MAX = Decimal("999999999999.99")
_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


class Checker:
    """Collects cleaned values and errors for one input dict."""

    def __init__(
        self,
        data: dict[str, Any],
        *,
        allowed: Iterable[str],
        partial: bool = False,
        unknown: str = "Unknown field.",
    ):
        self.data = data if isinstance(data, dict) else {}
        self.partial = partial
        self.clean: dict[str, Any] = {}
        self.errors: dict[str, str] = {}
        if not isinstance(data, dict):
            self.errors["body"] = gettext("Send a JSON object.")
        allowed = set(allowed)
        for name in self.data:
            if name not in allowed:
                self.errors[name] = unknown

    def _get(self, name: str, required: bool):
        value = self.data.get(name, _MISSING)
        if isinstance(value, str):
            value = value.strip()
        if value is _MISSING or value is None or value == "":
            if required and (not self.partial or name in self.data):
                self.errors[name] = gettext("This field is required.")
            elif name in self.data:
                self.clean[name] = None
            return _MISSING
        return value

    def text(self, name: str, *, max_length: int, required: bool = False) -> None:
        value = self._get(name, required)
        if value is _MISSING:
            return
        if not isinstance(value, str):
            self.errors[name] = gettext("Must be text.")
        elif "\x00" in value:  # PostgreSQL refuses NUL bytes in text
            self.errors[name] = gettext("Remove the control character.")
        elif len(value) > max_length:
            self.errors[name] = gettext(
                "Must be at most %(most)s characters (it has %(has)s).",
                most=max_length,
                has=len(value),
            )
        else:
            self.clean[name] = value

    def choice(self, name: str, allowed: Iterable[str], *, required: bool = False) -> None:
        value = self._get(name, required)
        if value is _MISSING:
            return
        allowed = list(allowed)
        if value not in allowed:
            self.errors[name] = gettext(
                "Must be one of: %(values)s.", values=", ".join(sorted(allowed))
            )
        else:
            self.clean[name] = value

    def choices(self, name: str, allowed: Iterable[str], *, max_items: int = 50) -> None:
        if name not in self.data:
            if not self.partial:
                self.clean[name] = []
            return
        value = self.data[name]
        if value is None:
            value = []
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.errors[name] = gettext("Must be a list of values.")
            return
        allowed = set(allowed)
        unknown = [v for v in value if v not in allowed]
        if unknown:
            self.errors[name] = gettext("Unknown value: %(values)s.", values=", ".join(unknown[:5]))
        elif len(value) > max_items:
            self.errors[name] = gettext("At most %(most)s values.", most=max_items)
        else:
            self.clean[name] = list(dict.fromkeys(value))

    def integer(
        self,
        name: str,
        *,
        minimum: int | None = None,
        maximum: int | None = None,
        required: bool = False,
    ) -> None:
        value = self._get(name, required)
        if value is _MISSING:
            return
        if isinstance(value, bool) or not isinstance(value, int):
            self.errors[name] = gettext("Must be a whole number.")
        elif minimum is not None and value < minimum:
            self.errors[name] = gettext("Must be at least %(least)s.", least=minimum)
        elif maximum is not None and value > maximum:
            self.errors[name] = gettext("Must be at most %(most)s.", most=maximum)
        else:
            self.clean[name] = value

    def money(self, name: str, *, maximum: Decimal = MONEY_MAX, required: bool = False) -> None:
        """An amount in currency units (a number, or a string such as "250,000.50"), to cents."""
        value = self._get(name, required)
        if value is _MISSING:
            return
        if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
            self.errors[name] = gettext("Must be a number, such as 250000.")
            return
        try:
            amount = Decimal(str(value).strip().replace(",", ""))
        except InvalidOperation:
            self.errors[name] = gettext("Must be a number, such as 250000.")
            return
        if not amount.is_finite():
            self.errors[name] = gettext("Must be a number, such as 250000.")
        elif amount < 0:
            self.errors[name] = gettext("Must not be negative.")
        elif amount > maximum:
            self.errors[name] = gettext("Must be less than a trillion.")
        else:
            self.clean[name] = amount.quantize(Decimal("0.01"))

    def email(self, name: str, *, required: bool = False) -> None:
        value = self._get(name, required)
        if value is _MISSING:
            return
        if not isinstance(value, str) or len(value) > 254:
            self.errors[name] = gettext("Enter a valid e-mail address.")
            return
        try:
            result = validate_email(value, check_deliverability=False)
        except EmailNotValidError:
            self.errors[name] = gettext("Enter a valid e-mail address.")
        else:
            self.clean[name] = result.normalized.lower()

    def domain(self, name: str) -> None:
        value = self._get(name, False)
        if value is _MISSING:
            return
        if not isinstance(value, str) or not _DOMAIN.match(value.lower()):
            self.errors[name] = gettext("Enter a domain such as example.com.")
        else:
            self.clean[name] = value.lower()

    def country(self, name: str) -> None:
        value = self._get(name, False)
        if value is _MISSING:
            return
        if not isinstance(value, str) or not re.fullmatch(r"[A-Za-z]{2}", value):
            self.errors[name] = gettext("Use the two-letter ISO 3166-1 country code, such as DE.")
        else:
            self.clean[name] = value.upper()

    def date(self, name: str, *, required: bool = False, not_past: bool = False) -> None:
        value = self._get(name, required)
        if value is _MISSING:
            return
        if isinstance(value, str):
            try:
                value = dt.date.fromisoformat(value)
            except ValueError:
                self.errors[name] = gettext("Use a date like 2026-12-31.")
                return
        if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
            self.errors[name] = gettext("Use a date like 2026-12-31.")
        elif not_past and value < dt.date.today():
            self.errors[name] = gettext("Must not be in the past.")
        else:
            self.clean[name] = value

    def timezone(self, name: str) -> None:
        from zoneinfo import available_timezones

        value = self._get(name, False)
        if value is _MISSING:
            return
        if not isinstance(value, str) or value not in available_timezones():
            self.errors[name] = gettext("Use a time zone name such as Europe/Berlin.")
        else:
            self.clean[name] = value

    def plain(self, *names: str) -> None:
        """Refuse HTML or script in the cleaned text fields `names`."""
        for name in names:
            if has_markup(self.clean.get(name)):
                self.error(name, PLAIN_TEXT)

    def error(self, name: str, message: str) -> None:
        self.errors.setdefault(name, message)

    def done(self) -> dict[str, Any]:
        """The cleaned values, or ValidationFailed naming every bad field."""
        refuse_if_any(self.errors)
        return self.clean
