"""Sign-in, password and user administration forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional

from portal.vocab import ROLES, TEAMS, choices

LENGTH_MESSAGE = _l("Use at least 10 characters (and at most 128).")
PASSWORD_HELP = _l("At least 10 characters. A sentence you can remember works well.")


class SignInForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=128)])
    remember = BooleanField(_l("Keep me signed in on this device"))
    submit = SubmitField(_l("Sign in"))


class ForgotPasswordForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Email(), Length(max=254)])
    submit = SubmitField(_l("Send me a reset link"))


class SetPasswordForm(FlaskForm):
    password = PasswordField(
        _l("New password"),
        validators=[DataRequired(), Length(min=10, max=128, message=LENGTH_MESSAGE)],
        description=PASSWORD_HELP,
    )
    confirm = PasswordField(
        _l("Repeat the password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The two passwords differ."))],
    )
    submit = SubmitField(_l("Set password"))


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired()])
    new_password = PasswordField(
        _l("New password"),
        validators=[DataRequired(), Length(min=10, max=128, message=LENGTH_MESSAGE)],
        description=PASSWORD_HELP,
    )
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[
            DataRequired(),
            EqualTo("new_password", message=_l("The two passwords differ.")),
        ],
    )
    submit = SubmitField(_l("Change password"))


class InviteUserForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Email(), Length(max=254)])
    role = SelectField(
        _l("Role"),
        choices=choices(ROLES),
        description=_l("An advocate login needs an advocate with the same e-mail."),
    )
    team = SelectField(
        _l("Team"), choices=choices(TEAMS, blank=_l("None")), validators=[Optional()]
    )
    submit = SubmitField(_l("Send invitation"))


class EditUserForm(FlaskForm):
    role = SelectField(_l("Role"), choices=choices(ROLES))
    team = SelectField(
        _l("Team"), choices=choices(TEAMS, blank=_l("None")), validators=[Optional()]
    )
    active = BooleanField(_l("Active (may sign in)"))
    submit = SubmitField(_l("Save"))


class SecondStepForm(FlaskForm):
    code = StringField(
        _l("Code"),
        validators=[DataRequired(), Length(max=32)],
        description=_l(
            "The 6-digit code from your authenticator app, or one of your recovery codes."
        ),
        render_kw={"autocomplete": "one-time-code", "inputmode": "text", "spellcheck": "false"},
    )
    submit = SubmitField(_l("Verify"))


class EnableMfaForm(FlaskForm):
    code = StringField(
        _l("Code from the app"),
        validators=[DataRequired(), Length(max=32)],
        description=_l("After scanning, your app shows a 6-digit code: enter it to confirm."),
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"},
    )
    submit = SubmitField(_l("Turn on two-step sign-in"))


class ConfirmPresenceForm(FlaskForm):
    password = PasswordField(_l("Your password"), validators=[Optional(), Length(max=128)])
    code = StringField(
        _l("Or a code from your app"),
        validators=[Optional(), Length(max=32)],
        render_kw={"autocomplete": "one-time-code"},
    )
    submit = SubmitField(_l("Confirm"))
