"""The pages and API endpoints the HTTP benchmark drives: one table, one line each.

A module adds its pages with one line in PAGES: a label for the report, the path with {placeholders}
filled from SAMPLES, who asks (a demo account; an /api/ path uses that account's bearer token, any other
the account's session cookie), and the target it is held to (issue 11's):
- "desk": at least half the ceiling's requests per second, p99 under 100 ms at the run's concurrency;
- "list": boards, lists and figures pages, p99 under 300 ms;
- "": no target of its own (the API is held to the page that shows the same data, by reading the report).
An owner's public page (`owners=True`) is asked from a different address each request, through the proxy's
X-Forwarded-For as many owners' phones would be: its per-address rate limits stay on and are paid for, but
one benchmark client is not taken for one owner guessing tokens (those pages answered 429 to it).

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
    owners: bool = False  # public: each request from another owner's address (X-Forwarded-For)

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
    # booking (issue 16): the owner's pages are public (the session cookie does not matter to them)
    Page("owner's booking page `/booking/book`", "/booking/book?store={booking_store}&service=maintenance",
         target="desk", owners=True),
    Page("API `GET /api/v1/booking/slots`", "/api/v1/booking/slots?store={booking_store}&service=maintenance"
         "&date={booking_day}", owners=True),
    Page("owner's progress page `/booking/p/<token>`", "/booking/p/{progress_token}", target="desk", owners=True),
    Page("API `GET /api/v1/progress/<token>`", "/api/v1/progress/{progress_token}", owners=True),
    Page("booking rules `/booking/rules`", "/booking/rules", who="sz01-manager", target="list"),
    Page("CS follow-up calls `/satisfaction/`", "/satisfaction/", who="sz01-cs", target="list"),
    Page("CS month sheet `/satisfaction/month`", "/satisfaction/month", who="sz01-cs", target="list"),
    # satisfaction, second slice (issue 18: the assurance page and the dashboard p99 < 300 ms at 1M orders)
    Page("five assurances `/satisfaction/assurance`, store manager", "/satisfaction/assurance",
         who="sz01-manager", target="list"),
    Page("five assurances, group manager (stores ranked)", "/satisfaction/assurance", who="group", target="list"),
    Page("assurance records `/satisfaction/assurance/quality`", "/satisfaction/assurance/quality",
         who="sz01-manager", target="list"),
    Page("service operations `/satisfaction/operations`", "/satisfaction/operations", who="sz01-manager",
         target="list"),
    Page("service operations Excel `/satisfaction/operations.xlsx`", "/satisfaction/operations.xlsx",
         who="sz01-manager"),
    Page("supervision notes `/satisfaction/notes`", "/satisfaction/notes", who="sz01-cs", target="list"),
    Page("public complaint form `/f/complaint/SZ01`", "/f/complaint/SZ01", target="desk"),
    # satisfaction (cs5): the rest of the module's pages and its API (issue 18: every page and endpoint joins the
    # benchmark). Not the owner's feedback form `/f/<token>`: the demo's links expire after 7 days and answer 410.
    Page("CS follow-ups `/satisfaction/follow-ups`", "/satisfaction/follow-ups", who="sz01-cs", target="list"),
    Page("follow-up `/satisfaction/follow-ups/<id>`", "/satisfaction/follow-ups/{follow_up}", who="sz01-cs",
         target="desk"),
    Page("complaints `/satisfaction/complaints`", "/satisfaction/complaints", who="sz01-cs", target="list"),
    Page("new complaint `/satisfaction/complaints/new`", "/satisfaction/complaints/new", who="sz01-cs",
         target="desk"),
    Page("complaint `/satisfaction/complaints/<id>`", "/satisfaction/complaints/{complaint}", who="sz01-cs",
         target="desk"),
    Page("month sheet Excel `/satisfaction/month.xlsx`", "/satisfaction/month.xlsx", who="sz01-cs", target="list"),
    Page("satisfaction settings `/satisfaction/settings`", "/satisfaction/settings", who="sz01-cs", target="desk"),
    # satisfaction (cs6): the owner's feedback form from the SMS link (public, a phone); GET only, the form's POST
    # records once per follow-up
    Page("owner's feedback form `/f/<token>`", "/f/{feedback_token}", target="desk", owners=True),
    Page("API `GET /api/v1/follow-ups`", "/api/v1/follow-ups", who="sz01-cs"),
    Page("API `GET /api/v1/follow-ups/<id>`", "/api/v1/follow-ups/{follow_up}", who="sz01-cs"),
    Page("API `GET /api/v1/complaints`", "/api/v1/complaints", who="sz01-cs"),
    Page("API `GET /api/v1/complaints/<id>`", "/api/v1/complaints/{complaint}", who="sz01-cs"),
    Page("no business query `/account/tokens`", "/account/tokens"),
    # -- quick lane (issue 15): the board with 60 cars in the queue (bench.data.lane_queue), the lounge screen
    # (public), the figures and their export, closing the day, a car's extra-work page, the API --
    Page("quick-lane board's cars `/quick-lane/cars` (htmx, 5 s)", "/quick-lane/cars", target="list"),
    Page("quick-lane lounge screen `/quick-lane/lounge/SZ01`", "/quick-lane/lounge/SZ01", target="list"),
    Page("quick-lane lounge cars `/quick-lane/lounge/SZ01/cars` (htmx, 5 s)", "/quick-lane/lounge/SZ01/cars",
         target="list"),
    Page("quick-lane figures `/quick-lane/figures`", "/quick-lane/figures", who="sz01-manager", target="list"),
    Page("quick-lane figures, Excel", "/quick-lane/figures.xlsx", who="sz01-manager"),
    Page("quick-lane closing the day `/quick-lane/close-day`", "/quick-lane/close-day", who="sz01-manager",
         target="list"),
    Page("quick-lane extra work `/quick-lane/<id>/extra`", "/quick-lane/{lane}/extra", target="desk"),
    Page("API `GET /api/v1/quick-lane/board`", "/api/v1/quick-lane/board"),
    Page("API `GET /api/v1/quick-lane/packages`", "/api/v1/quick-lane/packages"),
    # quick lane, third slice (lane3): the stores side by side, and extra work, the day and figures in the API
    Page("quick-lane stores side by side, group manager `/quick-lane/figures/stores`", "/quick-lane/figures/stores",
         who="group", target="list"),
    Page("quick-lane stores side by side, Excel", "/quick-lane/figures/stores.xlsx", who="group"),
    Page("API `GET /api/v1/quick-lane/orders/<id>/extra`", "/api/v1/quick-lane/orders/{lane}/extra"),
    Page("API `GET /api/v1/quick-lane/day`", "/api/v1/quick-lane/day", who="sz01-manager"),
    Page("API `GET /api/v1/quick-lane/figures`", "/api/v1/quick-lane/figures", who="sz01-manager"),
    Page("API `GET /api/v1/quick-lane/figures/stores`", "/api/v1/quick-lane/figures/stores", who="group"),
    # membership (会员) and its campaigns: a draft's page counts its target (every owner of the store) in SQL
    Page("campaigns `/members/campaigns`", "/members/campaigns", who="sz01-manager", target="list"),
    Page("campaign draft `/members/campaigns/<id>` (target preview)", "/members/campaigns/{campaign}",
         who="sz01-manager", target="list"),
    Page("API `GET /api/v1/campaigns`", "/api/v1/campaigns", who="sz01-manager"),
    Page("API `GET /api/v1/campaigns/<id>`", "/api/v1/campaigns/{campaign}", who="sz01-manager"),
    # membership, session 3: a member's page, the loss list, joining online, and the owner's member view on the
    # progress page of a member's order (the view: at most 5 queries more)
    Page("member `/members/<id>` (balances, ledgers)", "/members/{member}", target="desk"),
    Page("customer loss `/members/loss`", "/members/loss?status=lost", who="sz01-manager", target="list"),
    Page("joining online `/members/join-online`", "/members/join-online", target="desk", owners=True),
    Page("owner's progress page of a member (member view)", "/booking/p/{member_progress_token}", target="desk",
         owners=True),
    # rescue, second slice: the board (above), the month's figures, the closed-call search, the handovers
    Page("rescue figures `/rescue/figures`", "/rescue/figures", who="sz01-manager", target="list"),
    Page("rescue closed calls `/rescue/calls?plate=`", "/rescue/calls?plate={rescue_plate}", who="sz01-rescue",
         target="list"),
    Page("rescue handovers `/rescue/handovers`", "/rescue/handovers", who="sz01-rescue", target="list"),
    # rescue, third slice: an accident call's claim (代办理赔), its page and API (bench/data.py's accident calls)
    Page("rescue claim `/rescue/calls/<id>/claim`", "/rescue/calls/{rescue_claim}/claim", who="sz01-rescue",
         target="desk"),
    Page("API `GET /api/v1/rescue-calls/<id>/claim`", "/api/v1/rescue-calls/{rescue_claim}/claim", who="sz01-rescue"),
    # quick lane, fourth slice (lane4): the lane's last pages to join, the desk taking a key (a car's plate, the
    # package's quote as htmx asks it) and the manager's packages and settings
    Page("quick-lane taking a key `/quick-lane/open?plate=`", "/quick-lane/open?plate={lane_plate}", target="desk"),
    Page("quick-lane quote `/quick-lane/quote?package_id=` (htmx)", "/quick-lane/quote?package_id={lane_package}",
         target="desk"),
    Page("quick-lane packages `/quick-lane/packages`", "/quick-lane/packages", who="sz01-manager", target="list"),
    Page("quick-lane package `/quick-lane/packages/<id>`", "/quick-lane/packages/{lane_package}",
         who="sz01-manager", target="desk"),
    Page("quick-lane settings `/quick-lane/settings`", "/quick-lane/settings", who="sz01-manager", target="desk"),
    # membership, fourth slice (members4): the group's campaign over every store, a draft (seed-demo): each store's
    # target counted; the new one's form; the API
    Page("campaign for several stores `/members/group-campaigns/<id>` (each store's preview)",
         "/members/group-campaigns/{group_campaign}", who="group", target="list"),
    Page("new campaign for several stores `/members/group-campaigns/new`", "/members/group-campaigns/new",
         who="group", target="list"),
    Page("API `GET /api/v1/campaigns/groups/<id>`", "/api/v1/campaigns/groups/{group_campaign}", who="group"),
    # membership, fifth slice (members5): customer loss's other tab and sort, from the nightly counts
    Page("customer loss, at risk `/members/loss`", "/members/loss", who="sz01-manager", target="list"),
    Page("customer loss by spend `/members/loss?sort=spend`", "/members/loss?status=lost&sort=spend",
         who="sz01-manager", target="list"),
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
    # quick lane: a car in the lane
    "lane": "SELECT id FROM quick_lane_orders WHERE store_id = :store AND stage IN ('waiting', 'in_bay', "
            "'washing', 'ready') ORDER BY random() LIMIT :n",
    # booking: the store, the next days; the owners' progress links as the SMS carried them (bench/data.py)
    "booking_store": "SELECT CAST(:store AS integer) LIMIT :n",
    "booking_day": "SELECT CAST(current_date + d AS text) FROM generate_series(1, 13) AS d LIMIT :n",
    "progress_token": "SELECT split_part(params->>'link', '/booking/p/', 2) FROM sms_messages WHERE store_id = :store "
                      "AND kind = 'order_progress_link' ORDER BY random() LIMIT :n",
    # satisfaction (cs6): the owner's feedback links still valid, as their SMS carried them (bench/data.py)
    "feedback_token": "SELECT split_part(params->>'link', '/f/', 2) FROM sms_messages WHERE store_id = :store "
                      "AND kind = 'feedback_link' AND expires_at > now() ORDER BY random() LIMIT :n",
    # membership: the demo's draft campaign of the store (seed-demo)
    "campaign": "SELECT id FROM member_campaigns WHERE store_id = :store ORDER BY random() LIMIT :n",
    # membership, session 3: a member; the progress links of members' orders
    "member": "SELECT id FROM members WHERE store_id = :store ORDER BY random() LIMIT :n",
    "member_progress_token": "SELECT split_part(m.params->>'link', '/booking/p/', 2) FROM sms_messages m "
                             "JOIN members b ON b.store_id = m.store_id AND b.customer_id = m.customer_id "
                             "WHERE m.store_id = :store AND m.kind = 'order_progress_link' ORDER BY random() LIMIT :n",
    # rescue: the beginning of a plate of the store (the search takes a plate's beginning)
    "rescue_plate": "SELECT left(plate, 4) FROM vehicles WHERE store_id = :store ORDER BY random() LIMIT :n",
    # rescue, third slice: an accident call with a claim
    "rescue_claim": "SELECT call_id FROM rescue_claims WHERE store_id = :store ORDER BY random() LIMIT :n",
    # satisfaction (cs5): the demo's follow-ups (its delivered orders') and complaint of the store
    "follow_up": "SELECT id FROM follow_ups WHERE store_id = :store ORDER BY random() LIMIT :n",
    "complaint": "SELECT id FROM complaints WHERE store_id = :store ORDER BY random() LIMIT :n",
    # quick lane, fourth slice: a car's plate as the desk types it; an express package of the store
    "lane_plate": "SELECT plate FROM vehicles WHERE store_id = :store ORDER BY random() LIMIT :n",
    "lane_package": "SELECT id FROM quick_lane_packages WHERE store_id = :store AND active ORDER BY random() LIMIT :n",
    # membership, fourth slice: the campaign over the most stores (the group's, no store of its own)
    "group_campaign": "SELECT group_campaign_id FROM member_campaigns WHERE group_campaign_id IS NOT NULL "
                      "AND CAST(:store AS integer) IS NOT NULL GROUP BY group_campaign_id "
                      "ORDER BY count(*) DESC, group_campaign_id LIMIT :n",
}
