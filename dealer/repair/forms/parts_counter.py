"""The parts counter's forms: a quantity to issue to a repair line, or to take back from it."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SubmitField
from wtforms.validators import InputRequired

from dealer.parts.forms import QuantityField

_DECIMAL = {"inputmode": "decimal", "autocomplete": "off"}


class IssueForm(FlaskForm):
    quantity = QuantityField(_l("Quantity"), validators=[InputRequired()], render_kw=_DECIMAL)
    submit = SubmitField(_l("Issue"))


class ReturnForm(FlaskForm):
    quantity = QuantityField(_l("Quantity"), validators=[InputRequired()], render_kw=_DECIMAL)
    submit = SubmitField(_l("Return to stock"))
