"""How reminders follow what other modules announce (connected when the app is built, see dealer.app)."""
from __future__ import annotations

from flask import render_template
from markupsafe import Markup

from dealer.actors import CUSTOMER_WRITERS, SERVICE_ADVISOR
from dealer.auth import signals as auth_signals
from dealer.customers import signals as customer_signals
from dealer.reminders.declined import close_if_done, remember_declined_work
from dealer.reminders.forms import KIND_LABELS, InspectionForm, InsuranceForm, MaintenanceForm, OptOutForm
from dealer.reminders.queries import reminder_visits
from dealer.reminders.services import (
    call_list,
    hand_over_reminders,
    hand_to_advisor,
    mark_maintained,
    refresh_due_dates,
    store_today,
)
from dealer.repair import signals as repair_signals
from dealer.repair.models import MAINTENANCE
from dealer.signals import Panel
from dealer.sms import signals as sms_signals
from dealer.sms.forms import STATE_LABELS as SMS_STATE_LABELS
from dealer.sms.kinds import KINDS as SMS_KINDS
from dealer.sms.services import customer_messages


@customer_signals.vehicle_changed.connect
def _recompute_due_dates(vehicle, *, today, **_):
    """A new vehicle, a correction or a new reading: the inspection and maintenance due dates follow."""
    refresh_due_dates(vehicle, today=today)


@repair_signals.extra_work_declined.connect
def _declined_work_comes_back(order, *, jobs, now, **_):
    """Extra work the owner declined becomes a reminder for the car (the call list brings it back later)."""
    remember_declined_work(order, jobs, now=now)


@repair_signals.order_delivered.connect
def _declined_work_done(order, **_):
    """The car is handed back with the work it had declined now done: nobody calls about it any more."""
    if not order.is_reversal:
        close_if_done(order)


@customer_signals.advisor_changed.connect
def _follow_advisor(customer, **_):
    """The customer's open reminders go to the call list of their new advisor."""
    hand_to_advisor(customer)


@customer_signals.vehicle_transferred.connect
def _follow_new_owner(vehicle, *, new_owner, now, **_):
    """The vehicle's standing reminders, and their unsent SMS, go to the new owner."""
    hand_over_reminders(vehicle, new_owner=new_owner, now=now)


@repair_signals.order_delivered.connect
def _maintenance_delivered(order, *, vehicle, now, **_):
    """A delivered maintenance order counts the next maintenance from it and ends the open reminders."""
    if order.kind == MAINTENANCE and not order.is_reversal:
        mark_maintained(vehicle, serviced_on=order.store.local_date(now), km=order.odometer_km, now=now)


@customer_signals.customer_file_panels.connect
def _messages_panel(customer, *, actor, **_):
    """The customer's text messages, and the opt-out for those who may edit the file."""
    return Panel(10, Markup(render_template(
        "reminders/_customer_messages_panel.html", customer=customer, messages=customer_messages(customer.id),
        sms_states=SMS_STATE_LABELS, sms_kinds=SMS_KINDS, opt_out_form=OptOutForm(),
        can_edit=actor.has_any(CUSTOMER_WRITERS))))


@customer_signals.vehicle_page_panels.connect
def _record_service_panel(vehicle, *, actor, **_):
    """What was done (inspection, maintenance, insurance renewal), for those who may edit the vehicle."""
    if not actor.has_any(CUSTOMER_WRITERS):
        return None
    return Panel(10, Markup(render_template(
        "reminders/_vehicle_panel.html", vehicle=vehicle, inspection_form=InspectionForm(),
        maintenance_form=MaintenanceForm(), insurance_form=InsuranceForm())))


@sms_signals.count_reminder_visits.connect
def _reminder_visits(store, *, start, end, t0, t1, **_):
    """The SMS month figures' reminded vehicles and how many came in."""
    return reminder_visits(store.id, start=start, end=end, t0=t0, t1=t1)


CALLS_ON_HOME = 10  # the home page's first calls; the reminders page has them all


@auth_signals.home_panels.connect
def _calls_today(actor, *, now, **_):
    """The advisor's reminders to call today (their own customers'), soonest due first: two queries."""
    if not actor.has_any({SERVICE_ADVISOR}):
        return None
    calls = call_list(actor=actor, day=store_today(actor, now), limit=CALLS_ON_HOME)
    return Panel(40, Markup(render_template("reminders/_home_calls.html", reminders=calls, kinds=KIND_LABELS,
                                            limit=CALLS_ON_HOME)))
