from decimal import InvalidOperation

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField, SubmitField
from wtforms.validators import InputRequired, Optional

from dealer import money
from dealer.inputs import MAX_INT, MIN_INT, TextRules, bounded_int
from dealer.parts.models import ADJUSTMENT, ISSUE, RECEIPT, RETURN

KIND_LABELS = {RECEIPT: _l("Receipt"), ISSUE: _l("Issue"), RETURN: _l("Return"), ADJUSTMENT: _l("Adjustment")}
_DECIMAL = {"inputmode": "decimal", "autocomplete": "off"}


def bounded(number: int) -> int:
    """The number a field parsed, if a column holds it. Raises ValueError."""
    if not MIN_INT <= number <= MAX_INT:
        raise ValueError(number)
    return number


class YuanField(StringField):
    """An amount typed in yuan ("128.5", "1,280.00", "¥99"); `data` is integer fen."""

    def process_formdata(self, valuelist):
        self.data = None
        if valuelist and valuelist[0].strip():
            try:
                self.data = bounded(money.parse_yuan(valuelist[0]))
            except (ValueError, InvalidOperation):
                message = _l("Enter an amount in yuan with at most two decimals, e.g. 128.50.")
                raise ValueError(message) from None

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return money.yuan(self.data).replace(",", "") if self.data is not None else ""


class QuantityField(StringField):
    """A quantity typed as a decimal ("2", "4.5"); `data` is integer thousandths of the unit."""

    def process_formdata(self, valuelist):
        self.data = None
        if valuelist and valuelist[0].strip():
            try:
                self.data = bounded(money.parse_scaled(valuelist[0], money.QUANTITY_SCALE))
            except (ValueError, InvalidOperation):
                message = _l("Enter a quantity with at most three decimals, e.g. 2 or 4.5.")
                raise ValueError(message) from None

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return money.scaled(self.data, money.QUANTITY_SCALE) if self.data is not None else ""


class PartForm(FlaskForm):
    # Field names follow the service's, so its errors land beside the right input.
    store = SelectField(_l("Store"), coerce=bounded_int, validate_choice=False)
    part_number = StringField(_l("Part number (OEM)"), validators=[InputRequired(), TextRules(60)],
                              render_kw={"autocomplete": "off"})
    name = StringField(_l("Name"), validators=[InputRequired(), TextRules(40)])
    unit = StringField(_l("Unit"), validators=[InputRequired(), TextRules(10)], default="个")
    price_fen = YuanField(_l("Price to the owner, VAT included (yuan)"), validators=[InputRequired()],
                          render_kw=_DECIMAL)
    cost_fen = YuanField(_l("Cost (yuan)"), validators=[Optional()], render_kw=_DECIMAL)
    genuine = BooleanField(_l("Genuine part (原厂件); clear for aftermarket (副厂件)"), default=True)
    bin_location = StringField(_l("Bin location"), validators=[Optional(), TextRules(20)])
    reorder_level = QuantityField(_l("Reorder level"), validators=[Optional()], render_kw=_DECIMAL)
    active = BooleanField(_l("Active (still stocked or ordered)"), default=True)
    submit = SubmitField(_l("Save"))


class ReceiveForm(FlaskForm):
    quantity = QuantityField(_l("Quantity received"), validators=[InputRequired()], render_kw=_DECIMAL)
    unit_cost_fen = YuanField(_l("Unit cost (yuan)"), validators=[InputRequired()], render_kw=_DECIMAL)
    reference = StringField(_l("Delivery note number"), validators=[InputRequired(), TextRules(60)],
                            render_kw={"autocomplete": "off"})
    submit = SubmitField(_l("Book the receipt"))


class AdjustForm(FlaskForm):
    quantity = QuantityField(_l("Change (negative to remove)"), validators=[InputRequired()],
                             render_kw=_DECIMAL)
    reason = StringField(_l("Reason"), validators=[InputRequired(), TextRules(200)])
    submit = SubmitField(_l("Adjust stock"))
