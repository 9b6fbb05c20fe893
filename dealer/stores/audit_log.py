"""How the stores module's audit entries read (dealer.audit.events): stores and partner stations."""
from flask_babel import lazy_gettext as _l

from dealer.audit import events
from dealer.stores.forms import StationForm, StoreForm
from dealer.stores.models import PartnerStation, Store

STORE_FIELDS = events.form_labels(StoreForm)
STATION_FIELDS = events.form_labels(StationForm, store_id=_l("Store"))

events.record_kind("stores", _l("Store"), endpoint="stores.edit", arg="store_id",
                   names=events.names_of(Store.id, Store.code, Store.name))
events.record_kind("partner_stations", _l("Partner station"), endpoint="stores.edit_station", arg="station_id",
                   names=events.names_of(PartnerStation.id, PartnerStation.name))

events.sentence("store_created", _l("Opened the store %(code)s"), lambda c: {"code": c["code"]})
events.sentence("store_updated", _l("Changed the store: %(fields)s"),
                lambda c: {"fields": events.field_names(c, STORE_FIELDS)})
events.sentence("station_created", _l("Added the partner station %(name)s"), lambda c: {"name": c["name"]})
events.sentence("station_updated", _l("Changed the partner station: %(fields)s"),
                lambda c: {"fields": events.field_names(c, STATION_FIELDS)})
