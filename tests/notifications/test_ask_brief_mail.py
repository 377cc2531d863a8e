"""The ask e-mail, delivered through a real SMTP server, carries the program's ask template for
the activity type and the asker's personal note: in the plain part as written, in the HTML part
escaped with its line breaks kept."""

from __future__ import annotations

from portal.asks import placing
from portal.extensions import db as _db
from portal.notifications.sender import send_due
from portal.program import ask_templates
from tests.factories import ReferenceRequestFactory, UserFactory, advocate_with_login

TEMPLATE = 'A call of about 20 minutes: "why us" & what changed.\nNo slides, no preparation.'
NOTE = "Hi Ada,\nthe prospect is a bank with 2 < 3 regions & a tight deadline.\nThanks, Maya"


def test_the_ask_mail_brings_the_template_and_the_note_escaped(mail_app, smtp):
    admin = UserFactory(role="admin")
    manager = UserFactory(role="manager", name="Maya <Manager>")
    ask_templates.update_ask_templates(admin, {"reference_call": TEMPLATE})
    advocate, _ = advocate_with_login(name="Ada Advocate", email="ada@customer.example")
    request = ReferenceRequestFactory(activity_type="reference_call", context="Payments rollout.")
    placing.place_ask(manager, request, advocate, personal_note=NOTE.replace("\n", "\r\n"))
    _db.session.commit()

    counts = send_due()
    assert counts.failed == 0 and counts.sent >= 1
    [mail] = [m for m in smtp.handler.parsed() if m["To"] == "ada@customer.example"]
    plain, html = (mail.get_body((kind,)).get_content() for kind in ("plain", "html"))
    plain, html = plain.replace("\r\n", "\n"), html.replace("\r\n", "\n")  # SMTP line ends

    assert TEMPLATE in plain
    assert f"A note from Maya <Manager>:\n{NOTE}" in plain
    assert plain.index("Payments rollout.") < plain.index(TEMPLATE) < plain.index("A note from")
    assert plain.index("A note from") < plain.index("Please answer by")

    assert (
        "A call of about 20 minutes: &#34;why us&#34; &amp; what changed.<br>"
        "No slides, no preparation." in html
    )
    assert "A note from Maya &lt;Manager&gt;:" in html
    assert (
        "Hi Ada,<br>the prospect is a bank with 2 &lt; 3 regions &amp; a tight deadline.<br>"
        "Thanks, Maya" in html
    )
    assert "2 < 3" not in html and "<Manager>" not in html


def test_without_a_note_the_mail_has_the_template_only(mail_app, smtp):
    manager = UserFactory(role="manager")
    advocate, _ = advocate_with_login(email="bo@customer.example", activity_types=["case_study"])
    placing.place_ask(manager, ReferenceRequestFactory(activity_type="case_study"), advocate)
    _db.session.commit()

    send_due()
    [mail] = [m for m in smtp.handler.parsed() if m["To"] == "bo@customer.example"]
    plain = mail.get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert ask_templates.template_text("case_study") in plain
    assert "A note from" not in plain
