"""The vocabulary of the access matrix, shared by `test_access_matrix.py` and each area's
`routes_<area>.py`: the roles, and `expect(default, anonymous=..., **per_role)` statuses."""

ROLES = ("anonymous", "advocate", "requester", "csm", "manager", "admin", "executive")
SIGN_IN = 302  # a visitor is sent to the sign-in page

STAFF_ONLY = {"advocate": 403, "requester": 403}
PROGRAM_ONLY = {"advocate": 403, "requester": 403, "csm": 403}
ADVOCATE_ONLY = {"requester": 403, "csm": 403, "manager": 403, "admin": 403}
ADMIN_ONLY = {"advocate": 403, "requester": 403, "csm": 403, "manager": 403}
NOT_ADVOCATE = {"advocate": 403}


def expect(default, anonymous=SIGN_IN, **per_role) -> dict[str, int]:
    """{role: status}: `default` for every signed-in role unless named, `anonymous` for visitors.
    The read-only executive gets 403 unless a row names `executive=`: each page they may open
    says so."""
    statuses = dict.fromkeys(ROLES, default)
    statuses["anonymous"] = anonymous
    statuses["executive"] = 403
    statuses.update(per_role)
    return statuses
