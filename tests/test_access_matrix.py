"""The access matrix: every route the app registers, and who may use it.

Deny by default (issue 3): a route added without an entry here fails
`test_every_endpoint_is_in_the_matrix_and_declares_it`, and
`test_each_role_is_let_in_or_refused_as_the_matrix_says` requests every rule as every role.
"""
from __future__ import annotations

import re

import pytest

from dealer.access import declared_access
from dealer.actors import (
    ADMIN,
    CASHIER,
    CS_SUPERVISOR,
    MANAGER,
    RESCUE_DISPATCHER,
    ROLES,
    SERVICE_ADVISOR,
    TECHNICIAN,
)
from dealer.auth import services as auth_services
from tests.factories import UserFactory
from tests.helpers import NOW, login
from tests.isolation import isolated_client

PUBLIC = "public"
STAFF = frozenset(ROLES)
CUSTOMER_READERS = frozenset({MANAGER, SERVICE_ADVISOR, TECHNICIAN, CASHIER, RESCUE_DISPATCHER,
                              CS_SUPERVISOR})
CUSTOMER_WRITERS = frozenset({MANAGER, SERVICE_ADVISOR})
SATISFACTION_READERS = frozenset({CS_SUPERVISOR, MANAGER, SERVICE_ADVISOR, TECHNICIAN, ADMIN})

# Written out by hand on purpose: this is the declaration the views are checked against.
MATRIX: dict[str, str | frozenset[str]] = {
    # sign-in, language, one's own account
    "auth.login": PUBLIC,
    "auth.logout": PUBLIC,
    "auth.set_language": PUBLIC,
    "auth.home": STAFF,
    "auth.change_password": STAFF,
    "auth.api_tokens": STAFF,
    "auth.revoke_api_token": STAFF,
    # staff accounts and roles
    "auth.users": frozenset({ADMIN}),
    "auth.new_user": frozenset({ADMIN}),
    "auth.edit_user": frozenset({ADMIN}),
    # stores and partner stations
    "stores.index": frozenset({ADMIN, MANAGER}),
    "stores.new": frozenset({ADMIN}),
    "stores.edit": frozenset({ADMIN}),
    "stores.stations": frozenset({ADMIN, MANAGER, RESCUE_DISPATCHER}),
    "stores.new_station": frozenset({ADMIN, MANAGER}),
    "stores.edit_station": frozenset({ADMIN, MANAGER}),
    # audit log
    "audit.index": frozenset({ADMIN, MANAGER}),
    "audit.export": frozenset({ADMIN, MANAGER}),
    # customers and vehicles (pages)
    "customers.search": CUSTOMER_READERS,
    "customers.index": CUSTOMER_READERS,
    "customers.show_customer": CUSTOMER_READERS,
    "customers.show_vehicle": CUSTOMER_READERS,
    "customers.new_customer": CUSTOMER_WRITERS,
    "customers.edit_customer": CUSTOMER_WRITERS,
    "customers.new_vehicle": CUSTOMER_WRITERS,
    "customers.edit_vehicle": CUSTOMER_WRITERS,
    "customers.record_odometer": CUSTOMER_WRITERS,
    "customers.transfer_vehicle": CUSTOMER_WRITERS,
    "customers.delete_customer": frozenset({MANAGER}),
    # SMS outbox, templates and rules
    "sms.outbox": frozenset({MANAGER, SERVICE_ADVISOR, CS_SUPERVISOR}),
    "sms.show": frozenset({MANAGER, SERVICE_ADVISOR, CS_SUPERVISOR}),
    "sms.templates": frozenset({MANAGER}),
    "sms.edit_template": frozenset({MANAGER}),
    "sms.settings": frozenset({MANAGER}),
    "sms.figures": frozenset({MANAGER}),
    "sms.service_sms": CUSTOMER_WRITERS,
    # reminders
    "reminders.index": frozenset({SERVICE_ADVISOR, MANAGER}),
    "reminders.mark": frozenset({SERVICE_ADVISOR, MANAGER}),
    "reminders.record_inspection": CUSTOMER_WRITERS,
    "reminders.record_maintenance": CUSTOMER_WRITERS,
    "reminders.record_insurance": CUSTOMER_WRITERS,
    "reminders.opt_out": CUSTOMER_WRITERS,
    "reminders.intervals": frozenset({MANAGER}),
    # online booking: the owner's pages are public (no account); the store's are the front desk's
    "booking.book": PUBLIC,
    "booking.hold": PUBLIC,
    "booking.details": PUBLIC,
    "booking.done": PUBLIC,
    # booking: the owner's progress page and decisions, by the SMS link's token (no account)
    "booking.progress_page": PUBLIC,
    "booking.progress_decide": PUBLIC,
    "booking.progress_photo": PUBLIC,
    # booking: the owner's booking by the SMS link (move, cancel); a manager's booking of a full time
    "booking.manage": PUBLIC,
    "booking.manage_cancel": PUBLIC,
    "booking.manage_move": PUBLIC,
    "booking.overbook": frozenset({MANAGER}),
    "booking.rules_page": frozenset({MANAGER}),
    "booking.rules_hours": frozenset({MANAGER}),
    "booking.rules_close_day": frozenset({MANAGER}),
    "booking.rules_open_day": frozenset({MANAGER}),
    "booking.rules_capacity": frozenset({MANAGER}),
    "booking.rules_settings": frozenset({MANAGER}),
    "booking.index": frozenset({SERVICE_ADVISOR, MANAGER}),
    "booking.check_in": frozenset({SERVICE_ADVISOR, MANAGER}),
    "booking.cancel": frozenset({SERVICE_ADVISOR, MANAGER}),
    "booking.no_show": frozenset({SERVICE_ADVISOR, MANAGER}),
    # JSON API
    # membership (会员): the front desk joins, the cashier tops up and refunds, the manager sets the tiers
    "members.join": CUSTOMER_WRITERS,
    "members.show": CUSTOMER_READERS,
    "members.top_up": frozenset({MANAGER, CASHIER}),
    "members.refund": frozenset({MANAGER, CASHIER}),
    "members.free_item": CUSTOMER_WRITERS,
    "members.override": frozenset({MANAGER}),
    "members.points": frozenset({MANAGER}),
    "members.settings": frozenset({MANAGER}),
    "members.save_tier": frozenset({MANAGER}),
    "members_api.join": CUSTOMER_WRITERS,
    "members_api.get_member": CUSTOMER_READERS,
    "members_api.top_up": frozenset({MANAGER, CASHIER}),
    "members_api.refund": frozenset({MANAGER, CASHIER}),
    # membership campaigns (季节性活动): the manager's
    "members.campaigns": frozenset({MANAGER}),
    "members.new_campaign": frozenset({MANAGER}),
    "members.campaign": frozenset({MANAGER}),
    "members.launch_campaign": frozenset({MANAGER}),
    "members.export_campaign": frozenset({MANAGER}),
    # customer loss (客户流失): the list for the front desk, the win-back campaign the manager's
    "members.loss": frozenset({MANAGER, SERVICE_ADVISOR}),
    "members.win_back": frozenset({MANAGER}),
    # joining on the public site after phone verification (the owner, no account)
    "members.join_online": PUBLIC,
    "members.import_balances": frozenset({MANAGER}),
    "campaigns_api.list_campaigns": frozenset({MANAGER}),
    "campaigns_api.get_campaign": frozenset({MANAGER}),
    "api-docs.openapi_json": PUBLIC,
    "auth_api.create_token": PUBLIC,
    "auth_api.list_tokens": STAFF,
    "auth_api.revoke_token": STAFF,
    "customers_api.list_customers": CUSTOMER_READERS,
    "customers_api.get_customer": CUSTOMER_READERS,
    "customers_api.create_customer": CUSTOMER_WRITERS,
    "customers_api.update_customer": CUSTOMER_WRITERS,
    "sms_owners_api.set_service_sms": CUSTOMER_WRITERS,
    "vehicles_api.list_vehicles": CUSTOMER_READERS,
    "vehicles_api.get_vehicle": CUSTOMER_READERS,
    "vehicles_api.create_vehicle": CUSTOMER_WRITERS,
    "vehicles_api.update_vehicle": CUSTOMER_WRITERS,
    "vehicles_api.record_odometer": CUSTOMER_WRITERS,
    "sms_api.list_messages": frozenset({MANAGER, SERVICE_ADVISOR, CS_SUPERVISOR}),
    "sms_api.get_message": frozenset({MANAGER, SERVICE_ADVISOR, CS_SUPERVISOR}),
    # the provider's callbacks authenticate with a secret token in the URL instead of a role
    "sms_api.delivery_report": PUBLIC,
    "sms_api.owner_reply": PUBLIC,
    "booking_api.slots": PUBLIC,
    "booking_api.verify": PUBLIC,
    "bookings_api.create_booking": PUBLIC,
    "bookings_api.get_booking": frozenset({SERVICE_ADVISOR, MANAGER}),
    "bookings_api.reschedule_booking": frozenset({SERVICE_ADVISOR, MANAGER}),
    "bookings_api.cancel_booking": frozenset({SERVICE_ADVISOR, MANAGER}),
    # booking: the owner's progress and decisions by the link's token (no account)
    "progress_api.get_progress": PUBLIC,
    "progress_api.approve_item": PUBLIC,
    "progress_api.decline_item": PUBLIC,
    "reminders_api.list_reminders": frozenset({MANAGER, SERVICE_ADVISOR, CS_SUPERVISOR}),
    # customer satisfaction (回访, 投诉): supervision apart from execution. CS records calls, forms by phone,
    # complaints and the month's sign-off; advisors, technicians and managers read the results and cannot
    # change them (the responsible manager records a case's outcome).
    "satisfaction.index": frozenset({CS_SUPERVISOR, MANAGER}),
    "satisfaction.follow_ups": SATISFACTION_READERS,
    "satisfaction.show_follow_up": SATISFACTION_READERS,
    "satisfaction.record_call": frozenset({CS_SUPERVISOR}),
    "satisfaction.close_case": frozenset({CS_SUPERVISOR, MANAGER}),
    "satisfaction.complaints": SATISFACTION_READERS,
    "satisfaction.new_complaint": frozenset({CS_SUPERVISOR}),
    "satisfaction.show_complaint": SATISFACTION_READERS,
    "satisfaction.complaint_step": frozenset({CS_SUPERVISOR}),
    "satisfaction.month": SATISFACTION_READERS,
    "satisfaction.export_month": SATISFACTION_READERS,
    "satisfaction.sign_month": frozenset({CS_SUPERVISOR}),
    "satisfaction.settings": frozenset({CS_SUPERVISOR, ADMIN}),  # the assessed (managers) do not set their own amounts
    # the owner's feedback form from the SMS link: its unguessable token is the key
    "feedback.form": PUBLIC,
    "satisfaction_feedback_api.get_feedback": PUBLIC,
    "satisfaction_feedback_api.submit_feedback": PUBLIC,
    "satisfaction_follow_ups_api.list_follow_ups": SATISFACTION_READERS,
    "satisfaction_follow_ups_api.get_follow_up": SATISFACTION_READERS,
    "satisfaction_follow_ups_api.record_call": frozenset({CS_SUPERVISOR}),
    "satisfaction_complaints_api.list_complaints": SATISFACTION_READERS,
    "satisfaction_complaints_api.get_complaint": SATISFACTION_READERS,
    "satisfaction_complaints_api.create_complaint": frozenset({CS_SUPERVISOR}),
    "satisfaction_complaints_api.complaint_step": frozenset({CS_SUPERVISOR}),
    # satisfaction, the five assurances (五个安心): managers read them, CS measures; the assessed staff do not
    "satisfaction.assurances": frozenset({CS_SUPERVISOR, MANAGER, ADMIN}),
    "satisfaction.assurance_records": frozenset({CS_SUPERVISOR, MANAGER, ADMIN}),
    "feedback.complaint": PUBLIC,  # the owner's complaint and suggestion form: no sign-in, rate-limited
    "satisfaction.notes": frozenset({CS_SUPERVISOR, MANAGER}),  # 啄木鸟 and visits: not the people observed
    "satisfaction.operations_page": frozenset({MANAGER, ADMIN}),  # 服务运营: the managers' dashboard
    "satisfaction.export_operations": frozenset({MANAGER, ADMIN}),
    # satisfaction (cs4): naming the technician concerned after intake is CS's, as the intake is
    "satisfaction.name_technician": frozenset({CS_SUPERVISOR}),
    "satisfaction_complaints_api.name_technician": frozenset({CS_SUPERVISOR}),
    # parts: the parts clerk and the manager keep catalogue and stock; front desk, workshop, cashier read
    "parts.index": frozenset({MANAGER, "parts_clerk", SERVICE_ADVISOR, TECHNICIAN, CASHIER}),
    "parts.show": frozenset({MANAGER, "parts_clerk", SERVICE_ADVISOR, TECHNICIAN, CASHIER}),
    "parts.new": frozenset({MANAGER, "parts_clerk"}),
    "parts.edit": frozenset({MANAGER, "parts_clerk"}),
    "parts.receive": frozenset({MANAGER, "parts_clerk"}),
    "parts.adjust": frozenset({MANAGER, "parts_clerk"}),
    "parts.low_stock": frozenset({MANAGER, "parts_clerk"}),
    "parts_counter.issue_queue": frozenset({MANAGER, "parts_clerk"}),
    "parts_counter.issue": frozenset({MANAGER, "parts_clerk"}),
    "parts_counter.return_line": frozenset({MANAGER, "parts_clerk"}),
    "parts_api.list_parts": frozenset({MANAGER, "parts_clerk", SERVICE_ADVISOR, TECHNICIAN, CASHIER}),
    "parts_api.get_part": frozenset({MANAGER, "parts_clerk", SERVICE_ADVISOR, TECHNICIAN, CASHIER}),
    "parts_api.create_part": frozenset({MANAGER, "parts_clerk"}),
    "parts_api.receive_stock": frozenset({MANAGER, "parts_clerk"}),
    "parts_api.low_stock": frozenset({MANAGER, "parts_clerk"}),
    # multi-point inspection
    "repair.inspection_items": frozenset({MANAGER}),
    "repair.add_standard_inspection_items": frozenset({MANAGER}),
    "repair.edit_inspection_item": frozenset({MANAGER}),
    "repair.move_inspection_item": frozenset({MANAGER}),
    "repair.record_inspection": frozenset({TECHNICIAN, SERVICE_ADVISOR, MANAGER}),
    "repair.propose_inspection_work": frozenset({TECHNICIAN, SERVICE_ADVISOR, MANAGER}),
    "repair.upload_inspection_photo": frozenset({TECHNICIAN, SERVICE_ADVISOR, MANAGER}),
    "repair.delete_inspection_photo": frozenset({TECHNICIAN, SERVICE_ADVISOR, MANAGER}),
    # those three, the cashier and the parts clerk
    "repair.order_inspection": STAFF - {ADMIN, RESCUE_DISPATCHER, CS_SUPERVISOR},
    "repair.inspection_photo": STAFF - {ADMIN, RESCUE_DISPATCHER, CS_SUPERVISOR},
    # repair API and settings
    "repair.settings": frozenset({MANAGER}),
    "repair.labor_rates": frozenset({MANAGER}),
    "repair.labor_operations": frozenset({MANAGER, SERVICE_ADVISOR}),
    "repair.new_labor_operation": frozenset({MANAGER}),
    "repair.edit_labor_operation": frozenset({MANAGER}),
    "repair_orders_api.list_orders": frozenset({MANAGER, SERVICE_ADVISOR, TECHNICIAN, "parts_clerk", CASHIER}),
    "repair_orders_api.get_order": frozenset({MANAGER, SERVICE_ADVISOR, TECHNICIAN, "parts_clerk", CASHIER}),
    "repair_orders_api.create_order": frozenset({MANAGER, SERVICE_ADVISOR}),
    "repair_orders_api.add_job": frozenset({MANAGER, SERVICE_ADVISOR, TECHNICIAN}),  # technicians: findings
    "repair_orders_api.add_line": frozenset({MANAGER, SERVICE_ADVISOR}),
    "repair_orders_api.update_line": frozenset({MANAGER, SERVICE_ADVISOR}),
    "repair_orders_api.remove_line": frozenset({MANAGER, SERVICE_ADVISOR}),
    "repair_orders_api.issue_parts": frozenset({MANAGER, "parts_clerk"}),
    "repair_orders_api.return_parts": frozenset({MANAGER, "parts_clerk"}),
    # each action is checked again against its own roles (tests/repair/test_api.py)
    "repair_orders_api.transition": frozenset({MANAGER, SERVICE_ADVISOR, TECHNICIAN, CASHIER}),
    "repair_orders_api.job_transition": frozenset({MANAGER, SERVICE_ADVISOR, TECHNICIAN}),
    "labor_operations_api.list_operations": frozenset({MANAGER, SERVICE_ADVISOR}),
    "labor_operations_api.get_operation": frozenset({MANAGER, SERVICE_ADVISOR}),
    "labor_operations_api.create_operation": frozenset({MANAGER}),
    "labor_operations_api.update_operation": frozenset({MANAGER}),
    # rescue (救援): the dispatcher's desk and the manager; the crew's page is reached by its link alone
    "rescue.board": frozenset({RESCUE_DISPATCHER, MANAGER}),
    "rescue.board_live": frozenset({RESCUE_DISPATCHER, MANAGER}),
    "rescue.new_call": frozenset({RESCUE_DISPATCHER, MANAGER}),
    "rescue.autosave": frozenset({RESCUE_DISPATCHER, MANAGER}),
    "rescue.show_call": frozenset({RESCUE_DISPATCHER, MANAGER}),
    "rescue.record_guard": frozenset({RESCUE_DISPATCHER, MANAGER}),
    "rescue.dispatch": frozenset({RESCUE_DISPATCHER, MANAGER}),
    "rescue.step": frozenset({RESCUE_DISPATCHER, MANAGER}),
    "rescue.cancel": frozenset({RESCUE_DISPATCHER, MANAGER}),
    "rescue.tow_in": frozenset({RESCUE_DISPATCHER, MANAGER}),
    "rescue.link_vehicle": frozenset({RESCUE_DISPATCHER, MANAGER}),
    "rescue.photo": frozenset({RESCUE_DISPATCHER, MANAGER}),
    "rescue.units": frozenset({RESCUE_DISPATCHER, MANAGER}),
    "rescue.unit_status": frozenset({RESCUE_DISPATCHER, MANAGER}),
    "rescue.crew": PUBLIC,
    "rescue.crew_step": PUBLIC,
    "rescue.crew_position": PUBLIC,
    "rescue_calls_api.create_call": frozenset({RESCUE_DISPATCHER, MANAGER}),
    "rescue_calls_api.list_open_calls": frozenset({RESCUE_DISPATCHER, MANAGER}),
    "rescue_calls_api.get_call": frozenset({RESCUE_DISPATCHER, MANAGER}),
    "rescue_calls_api.dispatch": frozenset({RESCUE_DISPATCHER, MANAGER}),
    "rescue_calls_api.set_status": frozenset({RESCUE_DISPATCHER, MANAGER}),
    "rescue_units_api.list_units": frozenset({RESCUE_DISPATCHER, MANAGER}),
    "rescue_units_api.report_unit": frozenset({RESCUE_DISPATCHER, MANAGER}),
    # rescue, second slice: the store's settings are the manager's
    "rescue.settings": frozenset({MANAGER}),
    "rescue.station_coverage": frozenset({MANAGER}),
    "rescue.figures": frozenset({RESCUE_DISPATCHER, MANAGER}),
    "rescue.figures_export": frozenset({RESCUE_DISPATCHER, MANAGER}),
    "rescue.search_calls": frozenset({RESCUE_DISPATCHER, MANAGER}),
    "rescue.handovers": frozenset({RESCUE_DISPATCHER, MANAGER}),
    "rescue.acknowledge_handover": frozenset({RESCUE_DISPATCHER, MANAGER}),
    # rescue, third slice: the accident claim (代办理赔) is followed by the desk and the tow-in order's advisor
    "rescue.claim": frozenset({RESCUE_DISPATCHER, MANAGER, SERVICE_ADVISOR}),
    "rescue.save_claim": frozenset({RESCUE_DISPATCHER, MANAGER, SERVICE_ADVISOR}),
    "rescue.move_claim": frozenset({RESCUE_DISPATCHER, MANAGER, SERVICE_ADVISOR}),
    "rescue_calls_api.get_claim": frozenset({RESCUE_DISPATCHER, MANAGER, SERVICE_ADVISOR}),
    "rescue_calls_api.save_claim": frozenset({RESCUE_DISPATCHER, MANAGER, SERVICE_ADVISOR}),
    "rescue_calls_api.move_claim": frozenset({RESCUE_DISPATCHER, MANAGER, SERVICE_ADVISOR}),
    "rescue.signature": frozenset({RESCUE_DISPATCHER, MANAGER}),
    "rescue.map_settings": frozenset({MANAGER}),
    # repair orders (pages)
    "repair.index": frozenset({SERVICE_ADVISOR, TECHNICIAN, "parts_clerk", CASHIER, MANAGER}),
    "repair.board": frozenset({SERVICE_ADVISOR, TECHNICIAN, "parts_clerk", CASHIER, MANAGER}),
    "repair.show_order": frozenset({SERVICE_ADVISOR, TECHNICIAN, "parts_clerk", CASHIER, MANAGER}),
    "repair.print_work_order": frozenset({SERVICE_ADVISOR, TECHNICIAN, "parts_clerk", CASHIER, MANAGER}),
    "repair.new_order": frozenset({SERVICE_ADVISOR, MANAGER}),
    "repair.edit_order": frozenset({SERVICE_ADVISOR, MANAGER}),
    "repair.add_job": frozenset({SERVICE_ADVISOR, MANAGER}),
    "repair.remove_job": frozenset({SERVICE_ADVISOR, MANAGER}),
    "repair.search_operations": frozenset({SERVICE_ADVISOR, MANAGER}),
    "repair.search_parts": frozenset({SERVICE_ADVISOR, MANAGER}),
    "repair.add_labor": frozenset({SERVICE_ADVISOR, MANAGER}),
    "repair.add_part": frozenset({SERVICE_ADVISOR, MANAGER}),
    "repair.edit_line": frozenset({SERVICE_ADVISOR, MANAGER}),
    "repair.remove_line": frozenset({SERVICE_ADVISOR, MANAGER}),
    "repair.submit_estimate": frozenset({SERVICE_ADVISOR, MANAGER}),
    "repair.approve_estimate": frozenset({SERVICE_ADVISOR, MANAGER}),
    "repair.approve_extra_work": frozenset({SERVICE_ADVISOR, MANAGER}),
    "repair.decline_extra_work": frozenset({SERVICE_ADVISOR, MANAGER}),
    "repair.confirm_comeback": frozenset({SERVICE_ADVISOR, MANAGER}),
    "repair.dismiss_comeback": frozenset({SERVICE_ADVISOR, MANAGER}),
    "repair.assign_job": frozenset({SERVICE_ADVISOR, MANAGER}),
    "repair.dispatch": frozenset({SERVICE_ADVISOR, MANAGER}),
    "repair.deliver": frozenset({SERVICE_ADVISOR, MANAGER}),
    "repair.cancel": frozenset({SERVICE_ADVISOR, MANAGER}),
    "repair.my_jobs": frozenset({TECHNICIAN, MANAGER}),
    "repair.clock_on": frozenset({TECHNICIAN, MANAGER}),
    "repair.clock_off": frozenset({TECHNICIAN, MANAGER}),
    "repair.mark_done": frozenset({TECHNICIAN, MANAGER}),
    "repair.report_finding": frozenset({TECHNICIAN, MANAGER}),
    "repair.request_quality_check": frozenset({TECHNICIAN, SERVICE_ADVISOR, MANAGER}),
    "repair.quality_check": frozenset({TECHNICIAN, SERVICE_ADVISOR, MANAGER}),
    "repair.cashier": frozenset({CASHIER, SERVICE_ADVISOR, MANAGER}),
    "repair.settle": frozenset({CASHIER, SERVICE_ADVISOR, MANAGER}),
    "repair.print_estimate": frozenset({CASHIER, SERVICE_ADVISOR, MANAGER}),
    "repair.print_statement": frozenset({CASHIER, SERVICE_ADVISOR, MANAGER}),
    "repair.reverse": frozenset({CASHIER, MANAGER}),  # money goes back: not the advisor who took it
    "repair.figures": frozenset({MANAGER}),
    # quick lane: the lane's people work the board; the desk takes keys; the manager sets packages and the lane;
    # the lounge screen is public (masked plates, no names or prices)
    "quicklane.board": frozenset({SERVICE_ADVISOR, TECHNICIAN, MANAGER}),
    "quicklane.board_cars": frozenset({SERVICE_ADVISOR, TECHNICIAN, MANAGER}),
    "quicklane.move": frozenset({SERVICE_ADVISOR, TECHNICIAN, MANAGER}),
    "quicklane.open_order": frozenset({SERVICE_ADVISOR, MANAGER}),
    "quicklane.quote": frozenset({SERVICE_ADVISOR, MANAGER}),
    "quicklane.lounge": PUBLIC,
    "quicklane.lounge_cars": PUBLIC,
    "quicklane.packages": frozenset({MANAGER}),
    "quicklane.edit_package": frozenset({MANAGER}),
    "quicklane.settings": frozenset({MANAGER}),
    "quicklane.shift": frozenset({MANAGER}),
    # quick lane, second slice (lane2): extra work found in the bay, the owner's answer recorded by the desk
    "quicklane.extra_work": frozenset({SERVICE_ADVISOR, TECHNICIAN, MANAGER}),
    "quicklane.answer_extra_work": frozenset({SERVICE_ADVISOR, MANAGER}),
    "quicklane.close_day": frozenset({MANAGER}),
    "quicklane.close_day_car": frozenset({MANAGER}),
    "quicklane.figures": frozenset({MANAGER}),
    "quicklane.export_figures": frozenset({MANAGER}),
    "quicklane_api.list_packages": frozenset({SERVICE_ADVISOR, TECHNICIAN, MANAGER}),
    "quicklane_api.open_order": frozenset({SERVICE_ADVISOR, MANAGER}),
    "quicklane_api.change_stage": frozenset({SERVICE_ADVISOR, TECHNICIAN, MANAGER}),
    "quicklane_api.board": frozenset({SERVICE_ADVISOR, TECHNICIAN, MANAGER}),
    # quick lane, third slice (lane3): the stores side by side; extra work, closing the day, figures in the API
    "quicklane.stores_figures": frozenset({MANAGER}),
    "quicklane.export_stores_figures": frozenset({MANAGER}),
    "quicklane_api.list_extra_work": frozenset({SERVICE_ADVISOR, TECHNICIAN, MANAGER}),
    "quicklane_api.report_extra_work": frozenset({SERVICE_ADVISOR, TECHNICIAN, MANAGER}),
    "quicklane_api.answer_extra_work": frozenset({SERVICE_ADVISOR, MANAGER}),
    "quicklane_api.lane_day": frozenset({MANAGER}),
    "quicklane_api.carry_over": frozenset({MANAGER}),
    "quicklane_api.close_lane_order": frozenset({MANAGER}),
    "quicklane_api.month_figures": frozenset({MANAGER}),
    "quicklane_api.stores_figures": frozenset({MANAGER}),
    # membership, fourth slice (members4): a campaign's gift handed over at the desk; the group's campaigns over
    # several stores (a group-level manager's: a store's manager gets 404 from the service)
    "members.hand_over_gift": frozenset({MANAGER, SERVICE_ADVISOR, CASHIER}),
    "members.new_group_campaign": frozenset({MANAGER}),
    "members.group_campaign": frozenset({MANAGER}),
    "members.launch_group_campaign": frozenset({MANAGER}),
    "members.count_group_campaign": frozenset({MANAGER}),
    "members.count_campaign": frozenset({MANAGER}),
    "members.export_group_campaign": frozenset({MANAGER}),
    "campaigns_api.hand_over_gift": frozenset({MANAGER, SERVICE_ADVISOR, CASHIER}),
    "campaigns_api.get_group_campaign": frozenset({MANAGER}),
}

# Static files are served by Flask and bootstrap-flask; they carry no data.
SKIPPED = {"static", "bootstrap.static"}
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
# Signing out ends the client's session, so it is requested last.
LAST = {"auth.logout"}


def _rules(app):
    rules = [rule for rule in app.url_map.iter_rules() if rule.endpoint not in SKIPPED]
    return sorted(rules, key=lambda rule: (rule.endpoint in LAST, rule.endpoint, rule.rule))


def _url(rule) -> str:
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", "999999", rule.rule)


def _method(rule) -> str:
    return next(method for method in METHODS if method in rule.methods)


def _is_api(rule) -> bool:
    return rule.rule.startswith("/api/")


def _sent_to_login(response) -> bool:
    return response.status_code == 302 and response.headers["Location"].startswith("/login?next=")


def _request(client, rule, **kwargs):
    return client.open(_url(rule), method=_method(rule), **kwargs)


def test_every_endpoint_is_in_the_matrix_and_declares_it(app):
    registered = {rule.endpoint for rule in app.url_map.iter_rules()} - SKIPPED

    assert registered - MATRIX.keys() == set(), "routes without an entry in the access matrix"
    assert MATRIX.keys() - registered == set(), "matrix entries for routes that no longer exist"
    mismatched = {endpoint: (declared_access(app, endpoint), expected)
                  for endpoint, expected in MATRIX.items() if declared_access(app, endpoint) != expected}
    assert mismatched == {}


def test_each_role_is_let_in_or_refused_as_the_matrix_says(app, db_session, store):
    rules = _rules(app)
    wrong = []
    for role in ROLES:
        user = UserFactory(username=f"matrix-{role}", roles=[role], store=store)
        _token, secret = auth_services.create_api_token(actor=user.as_actor(), name="matrix", now=NOW)
        bearer = {"Authorization": f"Bearer {secret}"}
        client = isolated_client(app)
        login(client, user)
        for rule in rules:
            expected = MATRIX[rule.endpoint]
            if _is_api(rule):
                response = _request(client, rule, headers=bearer)
            else:
                response = _request(client, rule)
            allowed = expected == PUBLIC or role in expected
            status = response.status_code
            if allowed and (status in (401, 403) or _sent_to_login(response)):
                wrong.append((role, rule.endpoint, status, "refused but the matrix allows it"))
            if not allowed and status != 403:
                wrong.append((role, rule.endpoint, status, "let in but the matrix forbids it"))
            if not allowed and _is_api(rule):
                assert response.get_json()["error"]["code"] == "forbidden"
    assert wrong == []


def test_anonymous_is_sent_to_sign_in_or_refused_except_on_public_routes(app, client):
    wrong = []
    for rule in _rules(app):
        response = _request(client, rule)
        status = response.status_code
        if MATRIX[rule.endpoint] == PUBLIC:
            if status in (401, 403) or _sent_to_login(response):
                wrong.append((rule.endpoint, status, "public route refused"))
        elif _is_api(rule):
            if status != 401 or response.get_json()["error"]["code"] != "unauthorized":
                wrong.append((rule.endpoint, status, "API without a token must answer 401"))
        elif not _sent_to_login(response):
            wrong.append((rule.endpoint, status, "page must redirect to /login"))
    assert wrong == []


def test_api_ignores_the_session_cookie_and_wants_a_bearer_token(client, staff):
    login(client, staff[MANAGER])

    assert client.get("/customers").status_code == 200
    response = client.get("/api/v1/customers")
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"


@pytest.mark.parametrize("header", ["Bearer not-a-token", "Basic dXNlcjpwYXNz", "Bearer ", "dlr_abc"])
def test_api_refuses_a_missing_or_bad_authorization_header(client, staff, header):
    response = client.get("/api/v1/customers", headers={"Authorization": header})

    assert response.status_code == 401


def test_user_without_roles_is_refused_everywhere_but_public_routes(client, db_session, store):
    nobody = UserFactory(username="no-roles", roles=["service_advisor"], store=store)
    nobody.roles.clear()
    db_session.flush()
    login(client, nobody)

    assert client.get("/").status_code == 403
    assert client.get("/desk").status_code == 403
    assert client.get("/login").status_code == 302  # signed in: sent on to the home page


def test_a_route_that_declares_nothing_is_refused(tmp_path_factory):
    from dealer import create_app
    from tests.config import base_config

    app = create_app(base_config(tmp_path_factory, SQLALCHEMY_DATABASE_URI="sqlite://"))
    app.add_url_rule("/undeclared", "undeclared", lambda: "secret")
    app.add_url_rule("/api/v1/undeclared", "undeclared_api", lambda: "secret")
    client = app.test_client()

    assert client.get("/undeclared").status_code == 403
    response = client.get("/api/v1/undeclared", headers={"Authorization": "Bearer whatever"})
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "forbidden"
