"""Sign-in, password and user administration forms."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional

from portal.vocab import ROLES, TEAMS, choices

LENGTH_MESSAGE = "Use at least 10 characters (and at most 128)."
# bandit B105: help text
PASSWORD_HELP = "At least 10 characters. A sentence you can remember works well."  # noqa: S105  # nosec B105


class SignInForm(FlaskForm):
    email = EmailField("E-mail", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=128)])
    remember = BooleanField("Keep me signed in on this device")
    submit = SubmitField("Sign in")


class ForgotPasswordForm(FlaskForm):
    email = EmailField("E-mail", validators=[DataRequired(), Email(), Length(max=254)])
    submit = SubmitField("Send me a reset link")


class SetPasswordForm(FlaskForm):
    password = PasswordField(
        "New password",
        validators=[DataRequired(), Length(min=10, max=128, message=LENGTH_MESSAGE)],
        description=PASSWORD_HELP,
    )
    confirm = PasswordField(
        "Repeat the password",
        validators=[DataRequired(), EqualTo("password", message="The two passwords differ.")],
    )
    submit = SubmitField("Set password")


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField("Current password", validators=[DataRequired()])
    new_password = PasswordField(
        "New password",
        validators=[DataRequired(), Length(min=10, max=128, message=LENGTH_MESSAGE)],
        description=PASSWORD_HELP,
    )
    confirm = PasswordField(
        "Repeat the new password",
        validators=[DataRequired(), EqualTo("new_password", message="The two passwords differ.")],
    )
    submit = SubmitField("Change password")


class InviteUserForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=120)])
    email = EmailField("E-mail", validators=[DataRequired(), Email(), Length(max=254)])
    role = SelectField(
        "Role",
        choices=choices(ROLES),
        description="An advocate login needs an advocate with the same e-mail.",
    )
    team = SelectField("Team", choices=choices(TEAMS, blank="None"), validators=[Optional()])
    submit = SubmitField("Send invitation")


class EditUserForm(FlaskForm):
    role = SelectField("Role", choices=choices(ROLES))
    team = SelectField("Team", choices=choices(TEAMS, blank="None"), validators=[Optional()])
    active = BooleanField("Active (may sign in)")
    submit = SubmitField("Save")


class SecondStepForm(FlaskForm):
    code = StringField(
        "Code",
        validators=[DataRequired(), Length(max=32)],
        description="The 6-digit code from your authenticator app, or one of your recovery codes.",
        render_kw={"autocomplete": "one-time-code", "inputmode": "text", "spellcheck": "false"},
    )
    submit = SubmitField("Verify")


class EnableMfaForm(FlaskForm):
    code = StringField(
        "Code from the app",
        validators=[DataRequired(), Length(max=32)],
        description="After scanning, your app shows a 6-digit code: enter it to confirm.",
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"},
    )
    submit = SubmitField("Turn on two-step sign-in")


class ConfirmPresenceForm(FlaskForm):
    password = PasswordField("Your password", validators=[Optional(), Length(max=128)])
    code = StringField(
        "Or a code from your app",
        validators=[Optional(), Length(max=32)],
        render_kw={"autocomplete": "one-time-code"},
    )
    submit = SubmitField("Confirm")
