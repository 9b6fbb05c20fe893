from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, FloatField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, NumberRange, Optional

from dealer.forms import MultiCheckboxField, choices
from dealer.inputs import TextRules, bounded_int
from dealer.stores.families import FAMILY_LABELS, MODEL_FAMILIES

CAPABILITY_LABELS = {
    "towing": _l("Towing"),
    "jump_start": _l("Jump start"),
    "tyre_change": _l("Tyre change"),
    "fuel_delivery": _l("Fuel delivery"),
    "lockout": _l("Lockout"),
    "minor_repair": _l("Minor roadside repair"),
    "accident_scene": _l("Accident scene help"),
}


class StoreForm(FlaskForm):
    code = StringField(_l("Store code"), validators=[DataRequired(), TextRules(20)])
    name = StringField(_l("Name"), validators=[DataRequired(), TextRules(100)])
    brand = StringField(_l("Brand"), validators=[Optional(), TextRules(50)])
    address = StringField(_l("Address"), validators=[Optional(), TextRules(200)])
    phone = StringField(_l("Phone"), validators=[Optional(), TextRules(30)])
    rescue_hotline = StringField(_l("24-hour rescue hotline"), validators=[Optional(), TextRules(30)])
    timezone = SelectField(_l("Time zone"), choices=choices([("Asia/Shanghai", "Asia/Shanghai"),
                                                             ("Asia/Urumqi", "Asia/Urumqi")]))
    active = BooleanField(_l("Active"), default=True)
    model_families = MultiCheckboxField(_l("Model families this store services"),
                                        choices=choices(FAMILY_LABELS.items()), default=list(MODEL_FAMILIES))
    submit = SubmitField(_l("Save"))


class StationForm(FlaskForm):
    store = SelectField(_l("Store"), coerce=bounded_int)
    name = StringField(_l("Name"), validators=[DataRequired(), TextRules(100)])
    address = StringField(_l("Address"), validators=[Optional(), TextRules(200)])
    latitude = FloatField(_l("Latitude"), validators=[Optional(), NumberRange(-90, 90)])
    longitude = FloatField(_l("Longitude"), validators=[Optional(), NumberRange(-180, 180)])
    phone = StringField(_l("Phone"), validators=[Optional(), TextRules(30)])
    capabilities = MultiCheckboxField(_l("What it can do"), choices=choices(CAPABILITY_LABELS.items()))
    active = BooleanField(_l("Active"), default=True)
    submit = SubmitField(_l("Save"))
