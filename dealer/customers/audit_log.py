"""How the customers module's audit entries read (dealer.audit.events): customer files, vehicles, odometers."""
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from dealer.audit import events
from dealer.customers.forms import CustomerForm, VehicleForm
from dealer.customers.models import Customer, Vehicle

CUSTOMER_FIELDS = events.form_labels(CustomerForm, advisor_id=_l("Dedicated service advisor"))
VEHICLE_FIELDS = events.form_labels(VehicleForm)


def _km(value) -> str:
    return "-" if value is None else _("%(km)s km", km=format_decimal(value))


events.record_kind("customers", _l("Customer file"), endpoint="customers.show_customer", arg="customer_id",
                   names=events.names_of(Customer.id, Customer.name))
events.record_kind("vehicles", _l("Vehicle"), endpoint="customers.show_vehicle", arg="vehicle_id",
                   names=events.names_of(Vehicle.id, Vehicle.plate))

events.sentence("customer_created", _l("Opened the customer file of %(name)s"), lambda c: {"name": c["name"]})
events.sentence("customer_updated", _l("Changed the customer file: %(fields)s"),
                lambda c: {"fields": events.field_names(c, CUSTOMER_FIELDS)})
events.sentence("customer_deleted", _l("Deleted the customer file of %(name)s"), lambda c: {"name": c["name"]})
events.sentence("vehicle_created", _l("Registered the vehicle %(plate)s (VIN %(vin)s)"),
                lambda c: {"plate": c["plate"], "vin": c["vin"]})
events.sentence("vehicle_filed_without_vin", _l("Filed the vehicle %(plate)s, its VIN to be filled at check-in"),
                lambda c: {"plate": c["plate"]})  # booked online (customers.vins)
events.sentence("vehicle_updated", _l("Changed the vehicle: %(fields)s"),
                lambda c: {"fields": events.field_names(c, VEHICLE_FIELDS)})
events.sentence("odometer_corrected", _l("Corrected the odometer from %(before)s to %(after)s: %(note)s"),
                lambda c: {"before": _km(events.before_after(c, "km")[0]),
                           "after": _km(events.before_after(c, "km")[1]), "note": c.get("note", "")})
# The owners over time are on the vehicle's page, which the record links to.
events.sentence("vehicle_owner_changed", _l("Changed the owner of the vehicle (过户)"))
