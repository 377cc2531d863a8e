"""Form fields that name an account or advocate by typing, not by choosing from every row.

The page holds a search input (its suggestions come from the lookup pages as one types, see
static/js/portal.js) and only the current value; the server resolves what was typed, so the
form works without JavaScript too.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import url_for
from markupsafe import Markup
from wtforms import Field
from wtforms.utils import unset_value
from wtforms.validators import StopValidation
from wtforms.widgets import html_params

from portal.accounts.lookup import Match
from portal.errors import ValidationFailed
from portal.forms import id_or_raw

TEXT_SUFFIX = "-text"  # the typed name is sent as "<field name>-text", the id as "<field name>"


class LookupInput:
    """A search input with its suggestion list, and the hidden id a picked suggestion sets."""

    def __call__(self, field: LookupField, **kwargs) -> Markup:
        search = self.search_input(field, **kwargs)
        picked = field.data if isinstance(field.data, int) else ""
        hidden = Markup("<input %s>") % html_params(
            type="hidden", name=field.name, id=f"{field.id}-id", value=picked
        )
        return search + hidden

    @staticmethod
    def search_input(field: LookupField, **kwargs) -> Markup:
        kwargs.setdefault("id", field.id)
        options = f"{field.id}-options"
        attributes = html_params(
            type="search",
            name=field.name + TEXT_SUFFIX,
            value=field.text_value(),
            list=options,
            autocomplete="off",
            spellcheck="false",
            data_lookup_url=url_for(field.endpoint, **field.endpoint_args),
            data_lookup_id=f"{field.id}-id",
            **kwargs,
        )
        return Markup("<input %s><datalist %s></datalist>") % (
            attributes,
            html_params(id=options),
        )


class LookupField(Field):
    """One account or advocate (`data`: its id or None), typed by name.

    `resolve(text, picked)` returns the Match the typed text names or raises ValidationFailed;
    `labels(ids)` gives the current value's words; `endpoint` answers the suggestions. A client
    that sends only the id (no text) has it passed on as sent: the service checks it.
    """

    widget = LookupInput()

    def __init__(
        self,
        label=None,
        validators=None,
        *,
        resolve: Callable[..., Match],
        labels: Callable[[list[int]], dict[int, str]],
        endpoint: str,
        endpoint_args: dict | None = None,
        **kwargs,
    ):
        super().__init__(label, validators, **kwargs)
        self.resolve = resolve
        self.labels = labels
        self.endpoint = endpoint
        self.endpoint_args = endpoint_args or {}
        self.text: str | None = None  # as typed; None when the form sent no text

    def process(self, formdata, data=unset_value, extra_filters=None):
        super().process(formdata, data, extra_filters)
        self.text = None
        if formdata is not None and self.name + TEXT_SUFFIX in formdata:
            self.text = formdata.get(self.name + TEXT_SUFFIX) or ""

    def process_formdata(self, valuelist):
        self.data = id_or_raw(valuelist[0]) if valuelist else None

    def text_value(self) -> str:
        if self.text is not None:
            return self.text
        if isinstance(self.data, int):
            return self.labels([self.data]).get(self.data, "")
        return ""

    def pre_validate(self, form):
        if self.text is None:
            return
        text = self.text.strip()
        if not text:
            self.data = None
            return
        picked = self.data if isinstance(self.data, int) else None
        try:
            match = self.resolve(text, picked)
        except ValidationFailed as error:
            self.data = None
            raise StopValidation(error.message) from None
        self.data, self.text = match.id, match.label


class LookupListInput(LookupInput):
    """The chosen records as ticked checkboxes (untick to remove), then a search input to add
    one; a picked suggestion becomes one more ticked checkbox."""

    def __call__(self, field: LookupListField, **kwargs) -> Markup:
        labels = field.labels(field.data)
        boxes = []
        for record_id in field.data:
            box_id = f"{field.id}-{record_id}"
            boxes.append(
                Markup('<div class="form-check"><input %s><label %s>%s</label></div>')
                % (
                    html_params(
                        type="checkbox",
                        name=field.name,
                        value=record_id,
                        id=box_id,
                        checked=True,
                        class_="form-check-input",
                    ),
                    html_params(for_=box_id, class_="form-check-label"),
                    labels.get(record_id, f"Not found (#{record_id})"),
                )
            )
        chosen = Markup("<div %s>%s</div>") % (
            html_params(
                id=f"{field.id}-chosen",
                class_="mb-2",
                role="group",
                aria_label=field.label.text,
                aria_live="polite",
            ),
            Markup("").join(boxes),
        )
        kwargs.setdefault("data_lookup_list", f"{field.id}-chosen")
        kwargs.setdefault("data_lookup_name", field.name)
        kwargs.setdefault("placeholder", "Type a name to add one")
        return chosen + self.search_input(field, **kwargs)


class LookupListField(LookupField):
    """Several accounts or advocates (`data`: their ids): the ticked ones, plus the one typed."""

    widget = LookupListInput()

    def process_data(self, value):
        self.data = list(value or [])

    def process_formdata(self, valuelist):
        if not all(v.isdigit() and len(v) <= 9 for v in valuelist):  # ids fit an INTEGER
            self.data = []
            raise ValueError("Choose each one by its name.")
        self.data = list(dict.fromkeys(int(v) for v in valuelist))

    def text_value(self) -> str:
        return self.text or ""

    def pre_validate(self, form):
        text = (self.text or "").strip()
        if not text:
            return
        try:
            match = self.resolve(text, None)
        except ValidationFailed as error:
            raise StopValidation(error.message) from None
        if match.id not in self.data:
            self.data.append(match.id)
        self.text = ""  # added: it shows as one more ticked box
