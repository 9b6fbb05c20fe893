"""How the SMS module's audit entries read (dealer.audit.events): templates, settings, owners' choices."""
import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from dealer.audit import events
from dealer.extensions import db
from dealer.sms.forms import SettingsForm, TemplateForm
from dealer.sms.kinds import KINDS
from dealer.sms.models import SmsTemplate

TEMPLATE_FIELDS = events.form_labels(TemplateForm)
SETTINGS_FIELDS = events.form_labels(SettingsForm)


def _template_names(ids: list[int]) -> dict[int, str]:
    rows = db.session.execute(sa.select(SmsTemplate.id, SmsTemplate.kind).where(SmsTemplate.id.in_(ids)))
    return {row.id: str(KINDS[row.kind].label) if row.kind in KINDS else row.kind for row in rows}


events.record_kind("sms_templates", _l("SMS template"), endpoint="sms.templates", arg="_anchor",
                   names=_template_names)
events.record_kind("sms_settings", _l("SMS settings"))

events.sentence("sms_template_saved", _l("Changed the SMS template: %(fields)s"),
                lambda c: {"fields": events.field_names(c, TEMPLATE_FIELDS)})
events.sentence("sms_settings_saved", _l("Changed the SMS settings: %(fields)s"),
                lambda c: {"fields": events.field_names(c, SETTINGS_FIELDS)})
events.sentence("service_sms_opt_out", _l("Recorded that the owner refuses service SMS; %(n)s queued messages "
                                          "cancelled"), lambda c: {"n": c.get("cancelled_messages", 0)})
events.sentence("service_sms_opt_in", _l("Recorded that the owner accepts service SMS again"))
events.sentence("marketing_opt_out", _l("The owner refused marketing SMS by replying to a message"))
