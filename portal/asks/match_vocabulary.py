"""The taxonomy as one match needs it (`Vocabulary`), read in one statement."""

from __future__ import annotations

import sqlalchemy as sa

from portal.asks.eligibility_row import MULTI_KINDS, TERM_BITS, value_bit
from portal.extensions import db
from portal.program.models import TaxonomyTerm


class Vocabulary:
    """The terms as one match needs them, read in one statement: labels of every term, active
    or not (to word stored values), which value holds which bit of a kind's mask, and the
    members of each group (as `taxonomy.group_members` orders them)."""

    def __init__(self) -> None:
        self.labels: dict[tuple[str, str], str] = {}
        self.ids: dict[tuple[str, str], int] = {}
        self.by_bit: dict[tuple[str, int], set[str]] = {}
        self.members: dict[tuple[str, str], list[str]] = {}
        t = TaxonomyTerm
        names, members = {}, []
        for term_id, kind, value, text, group_id, position in db.session.execute(
            sa.select(t.id, t.kind, t.value, t.label, t.group_id, t.position)
        ):
            self.labels[kind, value] = text
            names[term_id] = (kind, value)
            if group_id is not None:
                members.append((position, term_id, group_id, value))
            if kind in MULTI_KINDS:
                self.ids[kind, value] = term_id
                self.by_bit.setdefault((kind, term_id % TERM_BITS), set()).add(value)
        for _, _, group_id, value in sorted(members):
            self.members.setdefault(names[group_id], []).append(value)

    def expand(self, terms: dict[str, list[str]]) -> dict[str, list[str]]:
        """`taxonomy.expand_groups` from the terms read: each group as itself and its members."""
        return {
            kind: list(
                dict.fromkeys(
                    v for value in values for v in (value, *self.members.get((kind, value), []))
                )
            )
            for kind, values in terms.items()
        }

    def mask(self, kind: str, values: list[str]) -> tuple[int, bool]:
        """The mask of `values` of a multi-valued kind, and whether a row's mask meeting it is
        proof enough (each of its bits is a requested term's alone)."""
        mask, alone = 0, True
        for value in values:
            mask |= value_bit(kind, value, self.ids)
            term_id = self.ids.get((kind, value))
            if term_id is None or not self.by_bit[kind, term_id % TERM_BITS] <= set(values):
                alone = False
        return mask, alone
