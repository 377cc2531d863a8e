"""The one rule other domains need from nominations: a standing objection holds the invitation."""

from __future__ import annotations

import sqlalchemy as sa

from portal.errors import DomainError
from portal.extensions import db
from portal.nominations.models import NominationObjection


def standing_objection(advocate_id: int) -> NominationObjection | None:
    """The account CSM's objection to this nomination that the program team has not decided."""
    return db.session.scalar(
        sa.select(NominationObjection)
        .where(
            NominationObjection.advocate_id == advocate_id,
            NominationObjection.resolution.is_(None),
        )
        .order_by(NominationObjection.id.desc())
        .limit(1)
    )


def refuse_while_objected(advocate) -> None:
    """Refuse to invite a nominee while the account's CSM objection stands (`advocate`: a model
    or, in an import, a row with its id and name)."""
    objection = standing_objection(advocate.id)
    if objection is not None:
        name = getattr(advocate, "name", None) or "This contact"
        raise DomainError(
            f"{name} can't be invited: the account's customer success manager objected "
            f"({objection.reason}). Uphold or overrule the objection first.",
            field="status",
        )


def objections_of(advocate_ids: list[int]) -> dict[int, NominationObjection]:
    """The newest objection of each of these advocates (standing or decided), in one query."""
    if not advocate_ids:
        return {}
    rows = db.session.scalars(
        sa.select(NominationObjection)
        .where(NominationObjection.advocate_id.in_(advocate_ids))
        .options(sa.orm.joinedload(NominationObjection.objected_by))
        .order_by(NominationObjection.id)
    )
    return {row.advocate_id: row for row in rows}  # the newest wins
