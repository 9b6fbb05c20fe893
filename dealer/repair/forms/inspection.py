"""Forms of the multi-point inspection (多项检查): the store's checklist, the findings, photos."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, Form, HiddenField, RadioField, StringField, SubmitField
from wtforms.fields import FieldList, FormField
from wtforms.validators import AnyOf, DataRequired, Optional

from dealer.forms import choices
from dealer.inputs import TextRules, WholeNumberField
from dealer.repair.models import GREEN, RED, YELLOW

STATUS_LABELS = {GREEN: _l("OK"), YELLOW: _l("Attention soon"), RED: _l("Attention now")}
UNCHECKED = ""


class ItemForm(FlaskForm):
    code = StringField(_l("Code"), validators=[DataRequired(), TextRules(30)],
                       render_kw={"autocomplete": "off"})
    name = StringField(_l("Name"), validators=[DataRequired(), TextRules(60)])
    hint = StringField(_l("What to measure or look at (e.g. “tread depth, mm”)"),
                       validators=[Optional(), TextRules(120)])
    active = BooleanField(_l("On the checklist"), default=True)
    submit = SubmitField(_l("Save item"))


class MoveForm(FlaskForm):
    offset = HiddenField(validators=[AnyOf(["-1", "1"])])


class ResultForm(Form):
    """One row of the checklist (no CSRF of its own: it lives inside ChecklistForm)."""

    item_id = WholeNumberField(validators=[DataRequired()])
    status = RadioField(_l("Finding"), default=UNCHECKED,
                        choices=choices([(UNCHECKED, _l("Not checked"))] + list(STATUS_LABELS.items())))
    measurement = StringField(_l("Measurement"), validators=[Optional(), TextRules(40)])
    note = StringField(_l("Note"), validators=[Optional(), TextRules(300)])


class ChecklistForm(FlaskForm):
    rows = FieldList(FormField(ResultForm))
    submit = SubmitField(_l("Save the checklist"))
    # The shortcut of a car in good order: every row left unchecked is saved as OK (green).
    all_normal = SubmitField(_l("All the rest normal"))


class PhotoForm(FlaskForm):
    # The file's own bytes decide whether it is a JPEG, PNG or WebP image
    # (dealer.repair.inspection_photos.sniff_image), never its name or the type the browser claims.
    photo = FileField(_l("Photo"), validators=[FileRequired(_l("Choose a photo."))],
                      render_kw={"accept": "image/jpeg,image/png,image/webp"})
    submit = SubmitField(_l("Upload photo"))
