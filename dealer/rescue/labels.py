"""How the rescue module's codes read to people (the pages, the audit log, the tow-in order)."""
from flask_babel import lazy_gettext as _l

FAULT_LABELS = {
    "no_start": _l("Won't start / battery"), "flat_tyre": _l("Flat tyre"), "accident": _l("Accident"),
    "out_of_fuel": _l("Out of fuel"), "locked_out": _l("Locked out"), "overheating": _l("Overheating"),
    "ev_no_charge": _l("EV out of charge"), "other": _l("Other"),
}
STATE_LABELS = {
    "received": _l("Call received"), "dispatched": _l("Dispatched"), "en_route": _l("En route"),
    "on_scene": _l("On scene"), "towing": _l("Towing"), "completed": _l("Completed"), "cancelled": _l("Cancelled"),
}
EVENT_LABELS = dict(STATE_LABELS, released=_l("Responder released"), told_emergency=_l("Told to call 120/122 first"),
                    sent_to_12122=_l("Sent to the expressway line 12122"),
                    handed_over=_l("Car handed over to us off the expressway"),
                    tow_in_opened=_l("Tow-in repair order opened"), accepted=_l("Partner station accepted"),
                    eta_slipped=_l("Owner told of a later arrival"))
PRIORITY_LABELS = {1: _l("Urgent"), 2: _l("High"), 3: _l("Normal")}
REASON_LABELS = {"injuries": _l("injuries"), "expressway": _l("expressway"), "accident": _l("accident"),
                 "children": _l("children waiting"), "night": _l("night"), "ev_low_charge": _l("EV low charge")}
AREA_LABELS = {"town": _l("In town"), "outside": _l("Outside town")}
UNIT_KIND_LABELS = {"service_van": _l("Service van"), "flatbed": _l("Flatbed"), "wheel_lift": _l("Wheel-lift tow truck")}
UNIT_STATUS_LABELS = {"available": _l("Available"), "on_job": _l("On a job"), "off_shift": _l("Off shift")}
SYSTEM_LABELS = {"gcj02": _l("AMap / Tencent (GCJ-02)"), "wgs84": _l("GPS (WGS-84)"), "bd09": _l("Baidu (BD-09)")}
CLAIM_STATE_LABELS = {"reported": _l("Reported"), "surveyed": _l("Surveyed"), "approved": _l("Loss approved"),
                      "paid": _l("Paid"), "refused": _l("Refused")}
