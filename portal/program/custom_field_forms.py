"""Forms for custom fields: the administrators' definition form, the typed inputs of the
account and advocate forms, and a request's custom criteria. Inputs carry text; the services
(`custom_field_values.check_values`, `custom_field_matching.check_criteria`) type and check them
and name the field."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField
from wtforms.fields import Field
from wtforms.fields.choices import SelectChoice
from wtforms.utils import unset_value
from wtforms.validators import Optional

from portal.forms import Required, text_or_empty
from portal.program import custom_field_matching, custom_field_values, custom_fields
from portal.program.models import CustomField
from portal.program.service import Vocabulary, taxonomy_labels

TYPE_LABELS = {"text": "Text", "number": "Number", "choice": "Choice", "date": "Date"}


class CustomFieldForm(FlaskForm):
    """Add a field (entity, key, type and taxonomy only then) or change one."""

    entity = SelectField(
        "Field of",
        choices=[SelectChoice("account", "Accounts"), SelectChoice("advocate", "Advocates")],
        validators=[Required()],
        validate_choice=False,
        coerce=text_or_empty,
    )
    label = StringField("Label", validators=[Required()], description="What people read.")
    key = StringField(
        "Key",
        validators=[Optional()],
        description="The stored name, also the CSV column and the API's name: lower-case "
        "letters, digits and _. Made from the label if left blank; it never changes.",
    )
    type = SelectField(
        "Type",
        choices=[SelectChoice(value, text) for value, text in TYPE_LABELS.items()],
        validators=[Required()],
        validate_choice=False,
        coerce=text_or_empty,
    )
    taxonomy_kind = SelectField(
        "Options from",
        validate_choice=False,
        coerce=text_or_empty,
        description="Choice fields: the taxonomy whose active terms people pick from.",
    )
    multiple = BooleanField("People may pick several (choice fields)")
    required = BooleanField("Required", description="New records and edits must give a value.")
    match_criterion = BooleanField(
        "Use in matching (choice fields)",
        description="Requesters may ask for these values; advocates who have them rank higher.",
    )
    show_in_list = BooleanField("Show as a column on the list page")
    position = StringField(
        "Position", validators=[Optional()], description="Fields show in this order."
    )

    def __init__(self, *args, kinds=(), field: CustomField | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.taxonomy_kind.choices = [SelectChoice("", "Not a choice field")] + [
            SelectChoice(kind.key, kind.label) for kind in kinds
        ]
        if field is not None:
            # Fixed once the field exists: stored values depend on them.
            for name in ("entity", "key", "type", "taxonomy_kind", "multiple"):
                del self[name]

    def to_data(self) -> dict:
        data = {
            name: self[name].data
            for name in ("required", "match_criterion", "show_in_list")
            if name in self
        }
        data["label"] = (self.label.data or "").strip()
        position = (self.position.data or "").strip()
        if position:
            data["position"] = int(position) if position.isdigit() else position
        for name in ("entity", "key", "type", "taxonomy_kind"):
            if name in self:
                data[name] = (self[name].data or "").strip() or None
        if "multiple" in self:
            data["multiple"] = self.multiple.data
        return data


class CustomValuesField(Field):
    """One typed input per active custom field of an entity (see the `custom_inputs` macro).
    `data` is {key: value}: the record's stored values, or the text the form sent."""

    def __init__(self, label=None, validators=None, *, entity: str, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.entity = entity
        self.definitions = custom_fields.definitions(entity, active_only=True)
        self.messages: dict[str, str] = {}
        self._vocabulary: Vocabulary | None = None
        self._labels: dict | None = None

    def input_name(self, field: CustomField) -> str:
        return f"{self.name}-{field.key}"

    def process(self, formdata, data=unset_value, extra_filters=None):
        self.process_errors = []
        if data is unset_value:
            data = None
        self.object_data = data
        self.data = dict(data or {})
        if formdata:
            self.data = {}
            for field in self.definitions:
                name = self.input_name(field)
                if field.type == "choice" and field.multiple:
                    self.data[field.key] = [v for v in formdata.getlist(name) if v]
                else:
                    self.data[field.key] = formdata.get(name, "")

    def values(self) -> dict:
        """What the service takes: the active fields' values as sent or stored."""
        return custom_field_values.TextValues(
            {field.key: self.data.get(field.key) for field in self.definitions}
        )

    def add_error(self, key: str, message: str) -> None:
        """A message of the service about one field (`custom_fields.<key>`)."""
        self.messages[key] = message
        label = next((f.label for f in self.definitions if f.key == key), key)
        self.errors = [*list(self.errors or []), f"{label}: {message}"]

    def options(self, field: CustomField) -> list[tuple[str, str]]:
        """(value, label) to pick from: the active terms, plus stored values whose term was
        retired since (they stay until changed)."""
        if self._vocabulary is None:
            self._vocabulary = Vocabulary()
            self._labels = taxonomy_labels()
        active = self._vocabulary.labels.get(field.taxonomy_kind or "", {})
        options = sorted(active.items(), key=lambda item: item[1].casefold())
        current = self.data.get(field.key)
        for value in current if isinstance(current, list) else [current]:
            if isinstance(value, str) and value and value not in active:
                options.append((value, f"{self._labels.get((field.taxonomy_kind, value), value)}"))
        return options

    def shown(self, field: CustomField) -> str:
        """A text input's value: stored numbers and dates as typed."""
        value = self.data.get(field.key)
        return "" if value is None else str(value)

    def selected(self, field: CustomField) -> set[str]:
        value = self.data.get(field.key)
        return set(value) if isinstance(value, list) else {value} if value else set()


class CustomCriteriaField(Field):
    """A request's custom criteria: one multiple choice per custom field used in matching.
    `data` is {key: [values]}."""

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators, **kwargs)
        fields = custom_field_matching.criteria_fields()
        self.criteria = [(key, found[0]) for key, found in sorted(fields.items())]
        self._kinds = {key: {f.taxonomy_kind for f in found} for key, found in fields.items()}
        self._vocabulary: Vocabulary | None = None

    def input_name(self, key: str) -> str:
        return f"{self.name}-{key}"

    def process(self, formdata, data=unset_value, extra_filters=None):
        self.process_errors = []
        self.object_data = None if data is unset_value else data
        self.data = dict(self.object_data or {})
        if formdata:
            self.data = {}
            for key, _ in self.criteria:
                values = [v for v in formdata.getlist(self.input_name(key)) if v]
                if values:
                    self.data[key] = values

    def options(self, key: str) -> list[tuple[str, str]]:
        if self._vocabulary is None:
            self._vocabulary = Vocabulary()
        found: dict[str, str] = {}
        for kind in sorted(k for k in self._kinds.get(key, ()) if k):
            found.update(self._vocabulary.labels.get(kind, {}))
        return sorted(found.items(), key=lambda item: item[1].casefold())
