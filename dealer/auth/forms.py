from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length, Optional

from dealer.actors import ROLE_LABELS, ROLES
from dealer.forms import MultiCheckboxField, choices
from dealer.inputs import TextRules, bounded_int


class LoginForm(FlaskForm):
    username = StringField(_l("Username"), validators=[DataRequired(), TextRules(50)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), TextRules(200)])
    remember = BooleanField(_l("Keep me signed in on this device"))
    submit = SubmitField(_l("Sign in"))


class UserForm(FlaskForm):
    username = StringField(_l("Username"), validators=[DataRequired(), Length(min=2), TextRules(50)])
    full_name = StringField(_l("Full name"), validators=[Optional(), TextRules(50)])
    mobile = StringField(_l("Mobile"), validators=[Optional(), TextRules(20)])
    store = SelectField(_l("Store"), coerce=bounded_int)
    roles = MultiCheckboxField(_l("Roles"), choices=choices((r, ROLE_LABELS[r]) for r in ROLES))
    password = PasswordField(_l("Password"), validators=[Optional(), TextRules(200)])
    active = BooleanField(_l("Active"), default=True)
    submit = SubmitField(_l("Save"))


class PasswordForm(FlaskForm):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired(), TextRules(200)],
                                     render_kw={"autocomplete": "current-password"})
    password = PasswordField(_l("New password"), validators=[DataRequired(), TextRules(200)],
                             render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(_l("Repeat the new password"),
                            validators=[DataRequired(), TextRules(200),
                                        EqualTo("password", message=_l("The passwords differ."))])
    submit = SubmitField(_l("Change password"))


class ApiTokenForm(FlaskForm):
    name = StringField(_l("What the token is for"), validators=[DataRequired(), TextRules(100)])
    submit = SubmitField(_l("Create token"))


class ConfirmForm(FlaskForm):
    """An empty form: a POST button with its CSRF token."""
    submit = SubmitField(_l("Confirm"))
