"""Settings held in memory for a bulk or read path (matching, eligibility refreshes, imports):
answered without a statement, true to what is stored, and following a change made inside."""

from portal.extensions import db as _db
from portal.program.service import DEFAULTS, get_setting, set_setting, settings_in_memory
from tests.queries import QueryCounter


def test_held_settings_answer_without_a_statement_and_follow_a_change(db):
    set_setting(None, "default_max_per_month", 3)
    _db.session.commit()
    _db.session.expunge_all()  # nothing holds the row any more: a read would query
    with settings_in_memory():
        with QueryCounter(_db.engine) as queries:
            assert get_setting("default_max_per_month") == 3  # as stored
            assert get_setting("default_max_per_year") == DEFAULTS["default_max_per_year"]
            get_setting("match_weights")["industry"] = 99  # a default held is a copy
        assert queries.count == 0
        set_setting(None, "default_max_per_month", 4)
        assert get_setting("default_max_per_month") == 4
        with settings_in_memory():  # inside another: the outer one's values
            assert get_setting("default_max_per_month") == 4
    _db.session.commit()
    _db.session.expunge_all()
    assert get_setting("default_max_per_month") == 4
    assert get_setting("match_weights")["industry"] != 99
    assert DEFAULTS["match_weights"].get("industry") != 99


def test_only_the_keys_asked_for_are_held(db):
    with settings_in_memory({}, ("default_max_per_month",)):
        set_setting(None, "respond_within_days", 9)
        assert get_setting("respond_within_days") == 9  # not held: read from the session
        assert get_setting("default_max_per_month") == DEFAULTS["default_max_per_month"]
