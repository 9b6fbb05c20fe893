"""The pages and API endpoints the HTTP benchmark drives: one table, one line each.

A module adds its pages with one line in PAGES: a label for the report, the path with {placeholders}
filled from SAMPLES, who asks (a demo account; an /api/ path uses that account's bearer token, any other
the account's session cookie), and the target it is held to (issue 11's):
- "desk": at least half the ceiling's requests per second, p99 under 100 ms at the run's concurrency;
- "list": boards, lists and figures pages, p99 under 300 ms;
- "": no target of its own (the API is held to the page that shows the same data, by reading the report).

SAMPLES are queries that pick real values from the data, in the signed-in store (SZ01, the demo
accounts' store) unless a page says otherwise: each yields rows of one column, and wrk cycles through
the paths they fill, so a page is not one cached row asked for again and again.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Page:
    label: str
    path: str
    who: str = "sz01-advisor1"
    target: str = ""

    @property
    def api(self) -> bool:
        return self.path.startswith("/api/")


PAGES = (
    Page("advisor's home `/` (the day's work)", "/", target="desk"),
    Page("front desk `/desk?q=` plate, last 4", "/desk?q={plate4}", target="desk"),
    Page("front desk, mobile last 4", "/desk?q={mobile4}", target="desk"),
    Page("front desk, VIN last 6", "/desk?q={vin6}", target="desk"),
    Page("front desk, name (surname + 1)", "/desk?q={name2}", target="desk"),
    Page("API `GET /api/v1/vehicles?q=` plate, last 4", "/api/v1/vehicles?q={plate4}"),
    Page("API vehicles, mobile last 4", "/api/v1/vehicles?q={mobile4}"),
    Page("API vehicles, VIN last 6", "/api/v1/vehicles?q={vin6}"),
    Page("API vehicles, name", "/api/v1/vehicles?q={name2}"),
    Page("customer file `/customers/<id>`", "/customers/{customer}", target="desk"),
    Page("API `GET /api/v1/customers/<id>`", "/api/v1/customers/{customer}"),
    Page("vehicle page `/vehicles/<id>`", "/vehicles/{vehicle}", target="desk"),
    Page("repair order page `/repair/orders/<id>`", "/repair/orders/{order}", target="desk"),
    Page("API `GET /api/v1/repair-orders/<id>`", "/api/v1/repair-orders/{order}"),
    Page("workshop board `/repair/board`", "/repair/board", target="list"),
    Page("repair list `/repair/`, store manager", "/repair/", who="sz01-manager", target="list"),
    Page("repair list `/repair/`, group manager", "/repair/", who="group", target="list"),
    Page("reminders call list `/reminders/`", "/reminders/", target="list"),
    Page("SMS outbox search `/sms/?q=<mobile>`", "/sms/?q={sms_phone}", target="list"),
    Page("parts search `/parts/?q=`", "/parts/?q={part}", target="list"),
    Page("rescue board `/rescue/`", "/rescue/", who="sz01-rescue", target="list"),
    Page("quick-lane board `/quick-lane/`", "/quick-lane/", target="list"),
    Page("bookings `/booking/`", "/booking/", target="list"),
    Page("CS follow-up calls `/satisfaction/`", "/satisfaction/", who="sz01-cs", target="list"),
    Page("CS month sheet `/satisfaction/month`", "/satisfaction/month", who="sz01-cs", target="list"),
    Page("no business query `/account/tokens`", "/account/tokens"),
    # rescue, second slice: the board (above), the month's figures, the closed-call search, the handovers
    Page("rescue figures `/rescue/figures`", "/rescue/figures", who="sz01-manager", target="list"),
    Page("rescue closed calls `/rescue/calls?plate=`", "/rescue/calls?plate={rescue_plate}", who="sz01-rescue",
         target="list"),
    Page("rescue handovers `/rescue/handovers`", "/rescue/handovers", who="sz01-rescue", target="list"),
)

# placeholder -> SQL returning one column of values (:store is the signed-in store's id, :n how many).
SAMPLES = {
    "plate4": "SELECT right(plate, 4) FROM vehicles WHERE store_id = :store ORDER BY random() LIMIT :n",
    "mobile4": "SELECT mobile_last4 FROM customers WHERE store_id = :store ORDER BY random() LIMIT :n",
    "vin6": "SELECT right(vin, 6) FROM vehicles WHERE store_id = :store ORDER BY random() LIMIT :n",
    "name2": "SELECT left(name, 2) FROM customers WHERE store_id = :store ORDER BY random() LIMIT :n",
    # a customer with vehicles and repair history; a vehicle with orders; an order with lines
    "customer": "SELECT customer_id FROM repair_orders WHERE store_id = :store AND state = 'delivered' "
                "ORDER BY random() LIMIT :n",
    "vehicle": "SELECT vehicle_id FROM repair_orders WHERE store_id = :store AND state = 'delivered' "
               "ORDER BY random() LIMIT :n",
    "order": "SELECT o.id FROM repair_orders o WHERE o.store_id = :store AND EXISTS (SELECT 1 FROM repair_lines l "
             "WHERE l.store_id = o.store_id AND l.order_id = o.id) ORDER BY random() LIMIT :n",
    "sms_phone": "SELECT phone FROM sms_messages WHERE store_id = :store ORDER BY random() LIMIT :n",
    "part": "SELECT left(part_number, 5) FROM parts WHERE store_id = :store ORDER BY random() LIMIT :n",
    # rescue: the beginning of a plate of the store (the search takes a plate's beginning)
    "rescue_plate": "SELECT left(plate, 4) FROM vehicles WHERE store_id = :store ORDER BY random() LIMIT :n",
}
