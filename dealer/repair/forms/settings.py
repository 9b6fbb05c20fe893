"""Forms of the manager's repair settings: the shape of the input only; the rules are in catalogue.py.

Field names follow catalogue.py's arguments, so a DomainError's `field` lands beside the right input.
Percentages are typed as percent (basis points in `data`), rates in yuan (fen), hours as decimals (hundredths).
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
    ValidationError,
)
from wtforms.validators import InputRequired, NumberRange, Optional

from dealer.forms import choices
from dealer.inputs import TextRules, WholeNumberField
from dealer.repair.forms.orders import CATEGORY_LABELS, HoursField, PercentField, YuanField
from dealer.repair.models import LABOR_CATEGORIES
from dealer.stores.families import family_choices

_DECIMAL = {"inputmode": "decimal", "autocomplete": "off"}
_NUMBER = {"inputmode": "numeric", "autocomplete": "off"}
SETTINGS_FIELDS = ("vat_rate_bp", "manual_discount_limit_bp", "comeback_window_days", "warranty_months",
                   "warranty_km", "warranty_terms", "independent_final_inspection")


class RepairSettingsForm(FlaskForm):
    vat_rate_bp = PercentField(_l("VAT rate (%)"), validators=[InputRequired()], render_kw=_DECIMAL,
                               description=_l("Prices include VAT; the statement shows the net amount and the VAT."))
    manual_discount_limit_bp = PercentField(
        _l("Largest discount an advisor may give (%)"), validators=[InputRequired()], render_kw=_DECIMAL,
        description=_l("A larger discount needs a service manager."))
    comeback_window_days = WholeNumberField(
        _l("Comeback window (days)"), validators=[InputRequired(), NumberRange(1, 365)], render_kw=_NUMBER,
        description=_l("A car back within this many days for the same work is proposed as a comeback (返修)."))
    warranty_months = WholeNumberField(_l("Repair warranty (months)"), validators=[InputRequired(), NumberRange(0, 120)],
                                   render_kw=_NUMBER)
    warranty_km = WholeNumberField(_l("Repair warranty (km)"), validators=[InputRequired(), NumberRange(0, 1_000_000)],
                               render_kw=_NUMBER)
    warranty_terms = TextAreaField(_l("Warranty terms printed on the statement"),
                                   validators=[Optional(), TextRules(2000, multiline=True)], render_kw={"rows": 4})
    independent_final_inspection = BooleanField(
        _l("Final inspection by someone other than the job's technicians (终检)"),
        description=_l("The technicians of an order's jobs cannot sign its quality check."))
    submit = SubmitField(_l("Save"))


class LaborRatesForm(FlaskForm):
    """One hourly rate (yuan, VAT included) per labor category; fields are named after the categories."""

    submit = SubmitField(_l("Save the rates"))


for _category in LABOR_CATEGORIES:
    setattr(LaborRatesForm, _category, YuanField(CATEGORY_LABELS[_category], validators=[Optional()],
                                                 render_kw=_DECIMAL))


class FamilyHoursRow(Form):
    """Flat-rate hours for one model family; a row left empty is ignored."""

    model_family = SelectField(_l("Model family"), choices=choices(family_choices("-")), default="")
    hours = HoursField(_l("Hours"), validators=[Optional()], render_kw=_DECIMAL)

    def validate(self, extra_validators=None):
        # Not inline validators: Optional() stops the chain of an empty field before they would run.
        valid = super().validate(extra_validators)
        family = (self.model_family.data or "").strip()
        if family and self.hours.data is None and not self.hours.errors:
            self.hours.errors.append(_l("Enter the hours for this model family."))
            valid = False
        if not family and self.hours.data is not None:
            self.model_family.errors.append(_l("Name the model family these hours are for."))
            valid = False
        return valid


class OperationForm(FlaskForm):
    code = StringField(_l("Code"), validators=[InputRequired(), TextRules(40)], render_kw={"autocomplete": "off"})
    name = StringField(_l("Name"), validators=[InputRequired(), TextRules(40)])
    category = SelectField(_l("Labor category"), choices=choices(CATEGORY_LABELS.items()))
    hours = HoursField(_l("Flat-rate hours (标准工时)"), validators=[InputRequired()], render_kw=_DECIMAL)
    family_hours = FieldList(FormField(FamilyHoursRow), min_entries=1, max_entries=40)
    active = BooleanField(_l("Active (offered when adding labor to an order)"), default=True)
    submit = SubmitField(_l("Save"))

    def validate_family_hours(self, field):
        families = [(row.model_family.data or "").strip() for row in field]
        twice = sorted({family for family in families if family and families.count(family) > 1})
        if twice:
            raise ValidationError(_l("Each model family once, please: %(families)s", families=", ".join(twice)))

    def family_hours_data(self) -> dict[str, int]:
        return {row.model_family.data.strip(): row.hours.data for row in self.family_hours
                if (row.model_family.data or "").strip() and row.hours.data is not None}

    def offer_families(self, families: tuple[str, ...], saved=()) -> None:
        """Offer the store's families and, beside them, those the operation has that are not among them (set
        before the list existed, or before the store took them off)."""
        self._families, self._saved = families, tuple(sorted(saved))
        for row in self.family_hours:
            row.model_family.choices = choices(family_choices("-", families=families, keep=self._saved))

    def add_blank_rows(self, count: int = 3) -> None:
        for _ in range(count):
            if len(self.family_hours) < self.family_hours.max_entries:
                self.family_hours.append_entry()
        if hasattr(self, "_families"):  # the new rows offer the same families
            self.offer_families(self._families, self._saved)
