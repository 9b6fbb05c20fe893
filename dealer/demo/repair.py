"""Demo data for the service center: labor rates, the labor catalogue, genuine parts in stock, the inspection
checklist and a handful of repair orders in every state, all made through the real services.

Idempotent: what a store already has (by category, code or part number) is left alone, and orders are made
only for a store that has none yet. The orders are a fixed handful per store, whatever `--vehicles` says.
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa

from dealer.actors import Actor
from dealer.auth.models import User
from dealer.customers.models import OdometerReading, Vehicle
from dealer.extensions import db
from dealer.parts import services as parts
from dealer.parts.models import Part
from dealer.repair import services
from dealer.repair.models import (
    JOB_APPROVED,
    LaborOperation,
    LaborRate,
    RepairOrder,
    RepairSettings,
)
from dealer.repair.services import inspection
from dealer.repair.services import settings as catalogue
from dealer.stores.models import Store

# Yuan an hour, VAT included, in fen: close to a good independent garage's (the difference is the parts).
LABOR_RATES = {"mechanical": 15_000, "electrical": 16_000, "body": 14_000, "paint": 16_000,
               "maintenance": 12_000, "diagnosis": 18_000}

WARRANTY_TERMS = ("本店维修工时保修 3 个月或 5000 公里（以先到者为准）；原厂配件按一汽-大众配件保修政策执行；"
                  "副厂配件及客户自带配件不在本店保修范围内。")

# code, name, category, flat-rate hours in hundredths, hours per model family (compact, midsize, suv, ev)
OPERATIONS = (
    ("MNT-OIL", "更换机油机滤", "maintenance", 50, {}),
    ("MNT-CHECK", "常规保养检查（多项检查）", "maintenance", 30, {}),
    ("MNT-AIRF", "更换空气滤清器", "maintenance", 20, {}),
    ("MNT-CABF", "更换空调滤清器", "maintenance", 20, {}),
    ("MNT-SPARK", "更换火花塞", "maintenance", 80, {"midsize": 110, "suv": 110}),
    ("MNT-BRKFL", "更换刹车油", "maintenance", 60, {}),
    ("MNT-COOL", "更换冷却液", "maintenance", 70, {"ev": 100}),
    ("MNT-DSG", "更换双离合变速箱油", "maintenance", 90, {}),
    ("BRK-PADF", "更换前刹车片", "mechanical", 120, {"suv": 140}),
    ("BRK-PADR", "更换后刹车片", "mechanical", 120, {"suv": 140}),
    ("BRK-DISCF", "更换前刹车盘及刹车片", "mechanical", 180, {}),
    ("CHS-ALIGN", "四轮定位", "mechanical", 100, {}),
    ("CHS-BAL", "四轮动平衡", "mechanical", 60, {}),
    ("CHS-TYRE", "更换轮胎（单条）", "mechanical", 30, {}),
    ("CHS-SHOCKF", "更换前减震器（单侧）", "mechanical", 150, {"suv": 180}),
    ("ENG-TBELT", "更换正时皮带", "mechanical", 350, {"midsize": 420}),
    ("ENG-WPUMP", "更换水泵", "mechanical", 250, {}),
    ("AC-SERV", "空调系统检测及加注冷媒", "electrical", 100, {}),
    ("AC-COMP", "更换空调压缩机", "electrical", 300, {"suv": 350}),
    ("ELE-BATT", "更换蓄电池", "electrical", 30, {}),
    ("ELE-LAMP", "更换大灯总成（单侧）", "electrical", 80, {}),
    ("EV-HVCHK", "高压系统安全检查", "electrical", 100, {}),
    ("DIAG-OBD", "电脑故障诊断", "diagnosis", 50, {}),
    ("BODY-BUMPF", "前保险杠拆装", "body", 150, {}),
    ("PNT-PANEL", "单幅钣件喷漆", "paint", 400, {}),
)

# part number, name, unit, price (fen, VAT incl.), cost (fen), on hand, reorder level (units), bin, genuine
PARTS = (
    ("G055167M4", "大众原厂机油 5W-30", "升", 6_800, 4_100, 120, 40, "A-01-01", True),
    ("GS55545M4", "大众原厂机油 0W-20", "升", 7_800, 4_800, 60, 30, "A-01-02", True),
    ("04E115561H", "机油滤清器（EA211）", "个", 4_560, 2_600, 30, 10, "A-02-01", True),
    ("06L115562B", "机油滤清器（EA888）", "个", 5_880, 3_400, 18, 10, "A-02-02", True),
    ("04E129620A", "空气滤清器（EA211）", "个", 9_800, 5_600, 12, 6, "A-02-03", True),
    ("5Q0129620D", "空气滤清器（EA888）", "个", 12_800, 7_300, 4, 6, "A-02-04", True),
    ("5Q0819653", "空调滤清器", "个", 12_800, 6_900, 2, 8, "A-02-05", True),
    ("04E905612C", "火花塞（EA211）", "个", 8_500, 4_800, 24, 12, "A-03-01", True),
    ("06K905601B", "火花塞（EA888）", "个", 9_800, 5_500, 16, 8, "A-03-02", True),
    ("B000750M3", "刹车油 DOT4", "升", 9_500, 5_200, 10, 4, "A-04-01", True),
    ("G013A8JM1", "冷却液 G13", "升", 6_500, 3_600, 40, 10, "A-04-02", True),
    ("G055529A2", "双离合变速箱油", "升", 13_800, 8_200, 24, 12, "A-04-03", True),
    ("G001780M3", "玻璃水（-25℃）", "瓶", 2_500, 1_200, 48, 24, "A-04-04", True),
    ("G055164A2", "空调冷媒 R1234yf", "千克", 58_000, 36_000, 5, 2, "A-04-05", True),
    ("5Q0698151B", "前刹车片（速腾/宝来）", "套", 58_000, 33_000, 6, 3, "B-01-01", True),
    ("5Q0698451M", "后刹车片", "套", 46_000, 26_000, 5, 3, "B-01-02", True),
    ("3QD698151", "前刹车片（迈腾/CC）", "套", 68_000, 39_000, 2, 3, "B-01-03", True),
    ("5QF698151", "前刹车片（探岳/探歌）", "套", 72_000, 41_000, 3, 2, "B-01-04", True),
    ("5Q0615301F", "前刹车盘", "个", 62_000, 35_000, 4, 2, "B-02-01", True),
    ("5Q0615601A", "后刹车盘", "个", 52_000, 29_000, 4, 2, "B-02-02", True),
    ("5Q0413031GT", "前减震器", "个", 98_000, 56_000, 2, 2, "C-01-01", True),
    ("5Q0407151A", "前下摆臂（左）", "个", 86_000, 49_000, 2, 1, "C-01-02", True),
    ("5Q0411315A", "稳定杆连杆", "个", 18_000, 9_800, 6, 4, "C-01-03", True),
    ("5Q0498621", "前轮轴承", "个", 42_000, 24_000, 3, 2, "C-01-04", True),
    ("04E109119J", "正时皮带（EA211）", "条", 68_000, 38_000, 3, 2, "D-01-01", True),
    ("04E121600AL", "水泵（EA211）", "个", 88_000, 50_000, 2, 2, "D-01-02", True),
    ("04E903137AR", "多楔带", "条", 19_800, 11_000, 5, 3, "D-01-03", True),
    ("04E121113C", "节温器", "个", 36_000, 20_000, 2, 1, "D-01-04", True),
    ("5Q0199262BG", "发动机悬置", "个", 78_000, 44_000, 1, 1, "D-01-05", True),
    ("000915105DG", "蓄电池 60Ah", "个", 98_000, 58_000, 6, 3, "E-01-01", True),
    ("N10721902", "H7 灯泡", "个", 4_500, 2_200, 20, 10, "E-01-02", True),
    ("5GG941005", "左前大灯总成", "个", 286_000, 168_000, 1, 0, "E-02-01", True),
    ("5Q0816803", "空调压缩机", "个", 468_000, 276_000, 1, 0, "E-02-02", True),
    ("5GG955427", "前雨刮片（一对）", "套", 26_800, 14_500, 8, 4, "F-01-01", True),
    ("5G6955427", "后雨刮片", "个", 9_800, 5_200, 5, 3, "F-01-02", True),
    ("5Q0853651", "前保险杠格栅", "个", 38_000, 21_000, 1, 0, "F-02-01", True),
    ("5GG807221", "前保险杠皮（未喷漆）", "个", 168_000, 96_000, 0, 1, "F-02-02", True),
    ("TY-MIC-2254517", "米其林轮胎 225/45 R17", "条", 98_000, 72_000, 8, 4, "G-01-01", True),
    ("TY-CON-2355518", "马牌轮胎 235/55 R18", "条", 118_000, 86_000, 4, 4, "G-01-02", True),
    ("AM-BOS-PADF", "博世前刹车片（副厂）", "套", 32_000, 18_000, 4, 2, "H-01-01", False),
    ("AM-BOS-WIPER", "博世雨刮片（副厂，一对）", "套", 15_800, 8_000, 6, 2, "H-01-02", False),
    ("AM-MAN-OF", "曼牌机油滤清器（副厂）", "个", 2_800, 1_400, 10, 5, "H-01-03", False),
)

# The genuine front brake pads per model family (data.FAW_VW_MODELS); compact cars take 5Q0698151B.
FRONT_PADS = {"midsize": "3QD698151", "suv": "5QF698151"}

# Items beyond the standard multi-point inspection (inspection.add_standard_items).
INSPECTION_EXTRA = (
    ("SUSPENSION", "悬挂与转向（球头、摆臂、减震器）", ""),
    ("EXHAUST", "排气系统", ""),
    ("BELTS", "发动机皮带", "裂纹、松紧度"),
    ("WASHER_FLUID", "玻璃水", ""),
)


@dataclass
class Crew:
    """The store's demo staff, as Actors (the services take an Actor, never a user row)."""

    manager: Actor
    advisors: tuple[Actor, Actor]
    technicians: tuple[User, User]
    clerk: Actor
    cashier: Actor


def _crew(store: Store) -> Crew:
    def user(suffix: str) -> User:
        return db.session.scalar(sa.select(User).where(User.username == f"{store.code.lower()}-{suffix}"))

    return Crew(manager=user("manager").as_actor(), advisors=(user("advisor1").as_actor(),
                                                              user("advisor2").as_actor()),
                technicians=(user("tech1"), user("tech2")), clerk=user("parts").as_actor(),
                cashier=user("cashier").as_actor())


# -- the catalogue ---------------------------------------------------------------------------------

def seed_catalogue(store: Store, *, now: datetime) -> dict[str, int]:
    """Give a store what it lacks of the demo settings, rates, labor catalogue, parts and checklist."""
    crew = _crew(store)
    added = {"operations": 0, "parts": 0}
    if db.session.get(RepairSettings, store.id) is None:
        catalogue.save_settings(store.id, vat_rate_bp=1300, manual_discount_limit_bp=1000, comeback_window_days=30,
                                warranty_months=3, warranty_km=5000, warranty_terms=WARRANTY_TERMS,
                                actor=crew.manager)
    have_rates = set(db.session.scalars(sa.select(LaborRate.category).where(LaborRate.store_id == store.id)))
    catalogue.set_labor_rates(store.id, {c: r for c, r in LABOR_RATES.items() if c not in have_rates},
                              actor=crew.manager)
    have_codes = set(db.session.scalars(sa.select(LaborOperation.code).where(LaborOperation.store_id == store.id)))
    for code, name, category, hours, family_hours in OPERATIONS:
        if code not in have_codes:
            catalogue.create_operation(catalogue.OperationInput(code=code, name=name, category=category, hours=hours,
                                                                family_hours=dict(family_hours)),
                                       store_id=store.id, actor=crew.manager, now=now)
            added["operations"] += 1
    have_parts = set(db.session.scalars(sa.select(Part.part_number).where(Part.store_id == store.id)))
    delivery = f"DN{now:%Y%m%d}{store.id:02d}"
    for number, name, unit, price, cost, on_hand, reorder, bin_location, genuine in PARTS:
        if number in have_parts:
            continue
        part = parts.create_part(parts.PartInput(part_number=number, name=name, unit=unit, price_fen=price,
                                                 cost_fen=cost, genuine=genuine, bin_location=bin_location,
                                                 reorder_level=reorder * 1000),
                                 store_id=store.id, actor=crew.clerk, now=now)
        if on_hand:
            parts.receive_stock(part.id, quantity=on_hand * 1000, unit_cost_fen=cost, reference=delivery,
                                actor=crew.clerk, now=now)
        added["parts"] += 1
    inspection.add_standard_items(store.id, actor=crew.manager, now=now)
    have_items = {item.code for item in inspection.list_items(store.id, actor=crew.manager)}
    for code, name, hint in INSPECTION_EXTRA:
        if code not in have_items:
            inspection.add_item(store.id, inspection.ItemInput(code=code, name=name, hint=hint), actor=crew.manager,
                                now=now)
    return added


# -- repair orders in every state ------------------------------------------------------------------

class _Shop:
    """What the scenarios need: the store's crew, catalogue and the clock they run on."""

    def __init__(self, store: Store, rng: random.Random):
        self.store, self.rng = store, rng
        self.crew = _crew(store)
        self.operations = {o.code: o.id for o in db.session.scalars(
            sa.select(LaborOperation).where(LaborOperation.store_id == store.id))}
        self.parts = {p.part_number: p.id for p in db.session.scalars(
            sa.select(Part).where(Part.store_id == store.id))}

    def odometer_on(self, vehicle: Vehicle, day: date) -> int:
        """A reading for `day` that fits between the vehicle's readings before and after it."""
        readings = db.session.execute(
            sa.select(OdometerReading.read_on, OdometerReading.km)
            .where(OdometerReading.store_id == vehicle.store_id, OdometerReading.vehicle_id == vehicle.id)).all()
        before = [km for read_on, km in readings if read_on <= day]
        after = [km for read_on, km in readings if read_on > day]
        if after:
            low = max(before) if before else max(min(after) - 300, 0)
            return low + (min(after) - low) // 2
        return (max(before) if before else (vehicle.odometer_km or 8_000)) + self.rng.randint(3, 40)

    def open(self, vehicle: Vehicle, concerns: list[str], *, kind: str, at: datetime, promised: datetime,
             advisor: Actor, damage: str = "") -> RepairOrder:
        data = services.OrderInput(concerns=concerns, promised_at=promised, kind=kind,
                                   odometer_km=self.odometer_on(vehicle, self.store.local_date(at)),
                                   fuel_eighths=self.rng.randint(2, 7), damage_notes=damage)
        return services.open_order(vehicle.id, data, actor=advisor, now=at)

    def labor(self, job_id: int, code: str, *, at: datetime, actor: Actor) -> None:
        services.add_line(job_id, services.LineInput(kind="labor", operation_id=self.operations[code]), actor=actor,
                          now=at)

    def part(self, job_id: int, number: str, quantity: int, *, at: datetime, actor: Actor) -> None:
        services.add_line(job_id, services.LineInput(kind="parts", part_id=self.parts[number], quantity=quantity),
                          actor=actor, now=at)

    def approve(self, order: RepairOrder, *, at: datetime, advisor: Actor) -> None:
        """Present the estimate and record the owner's approval by phone."""
        customer = order.customer
        services.submit_estimate(order.id, actor=advisor, now=at)
        services.approve_estimate(order.id, services.ApprovalInput(method="phone", approver_name=customer.name,
                                                                   phone=customer.mobile),
                                  actor=advisor, now=at + timedelta(minutes=5))

    def dispatch(self, order: RepairOrder, technician: User, *, at: datetime, advisor: Actor,
                 waiting: tuple[str, ...] = ()) -> None:
        """Assign every approved job to the technician, send it to the workshop and hand out its parts (all but
        the `waiting` part numbers, which stay in the parts clerk's queue)."""
        order = services.get_order(order.id, actor=advisor)  # read with its jobs and lines (ORDER_LOADS)
        for job in order.jobs:
            if job.approval == JOB_APPROVED:
                services.assign_job(job.id, [technician.id], actor=advisor, now=at)
        services.dispatch(order.id, actor=advisor, now=at)
        order = services.get_order(order.id, actor=advisor)
        for line in services.lines_of(order, services.BILLED):
            if line.part_id is not None and line.issued < line.quantity and line.part_number not in waiting:
                services.issue_to_line(line.id, quantity=line.quantity - line.issued, actor=self.crew.clerk,
                                    now=at + timedelta(minutes=10))

    def work(self, order: RepairOrder, technician: User, *, start: datetime, done: datetime) -> None:
        who = technician.as_actor()
        for job in services.get_order(order.id, actor=who).jobs:
            if job.approval == JOB_APPROVED:
                services.clock_on(job.id, actor=who, now=start)
                services.mark_job_done(job.id, actor=who, now=done)

    def pass_quality_check(self, order: RepairOrder, technician: User, *, at: datetime) -> None:
        """The technician sends the car to QC; the other technician signs the final inspection (终检)."""
        services.request_quality_check(order.id, actor=technician.as_actor(), now=at)
        inspector = next(t for t in self.crew.technicians if t.id != technician.id).as_actor()
        services.record_quality_check(order.id, services.QualityCheckInput(
            passed=True, checklist=dict.fromkeys(services.QC_ITEMS, True)), actor=inspector,
            now=at + timedelta(minutes=10))

    def settle(self, order: RepairOrder, *, at: datetime) -> None:
        """Take WeChat Pay for most of the bill (whole yuan) and cash for the rest."""
        total = services.price(services.get_order(order.id, actor=self.crew.cashier)).total_fen
        wechat = total // 200 * 100
        payments = [services.PaymentInput("wechat_pay", wechat, f"42000{self.rng.randrange(10**17):017d}")]
        if total - wechat:
            payments.append(services.PaymentInput("cash", total - wechat))
        services.settle(order.id, [p for p in payments if p.amount_fen], actor=self.crew.cashier, now=at)


def _late(shop: _Shop, vehicle: Vehicle, now: datetime) -> RepairOrder:
    """Yesterday's timing-belt job, promised for last evening and still in the workshop."""
    advisor, technician = shop.crew.advisors[1], shop.crew.technicians[0]
    at = now - timedelta(days=1, hours=3)
    order = shop.open(vehicle, ["发动机冷启动有异响，怀疑正时皮带老化"], kind="general_repair", at=at,
                      promised=at + timedelta(hours=6), advisor=advisor)
    job = order.jobs[0].id
    shop.labor(job, "ENG-TBELT", at=at, actor=advisor)
    shop.part(job, "04E109119J", 1000, at=at, actor=advisor)
    shop.labor(job, "ENG-WPUMP", at=at, actor=advisor)
    shop.part(job, "04E121600AL", 1000, at=at, actor=advisor)
    shop.part(job, "G013A8JM1", 5000, at=at, actor=advisor)
    shop.approve(order, at=at + timedelta(minutes=20), advisor=advisor)
    shop.dispatch(order, technician, at=at + timedelta(minutes=40), advisor=advisor)
    services.clock_on(job, actor=technician.as_actor(), now=at + timedelta(hours=1))
    services.clock_off(job, actor=technician.as_actor(), now=at + timedelta(hours=4))
    return order


def _delivered(shop: _Shop, vehicle: Vehicle, now: datetime) -> RepairOrder:
    """A maintenance two days ago: approved, done, checked, paid with two payments and handed back."""
    advisor, technician = shop.crew.advisors[0], shop.crew.technicians[0]
    at = now - timedelta(days=2, hours=2)
    order = shop.open(vehicle, ["常规保养"], kind="maintenance", at=at, promised=at + timedelta(hours=3),
                      advisor=advisor)
    job = order.jobs[0].id
    shop.labor(job, "MNT-OIL", at=at, actor=advisor)
    shop.part(job, "G055167M4", 4500, at=at, actor=advisor)
    shop.part(job, "04E115561H", 1000, at=at, actor=advisor)
    shop.labor(job, "MNT-CHECK", at=at, actor=advisor)
    shop.approve(order, at=at + timedelta(minutes=10), advisor=advisor)
    shop.dispatch(order, technician, at=at + timedelta(minutes=20), advisor=advisor)
    shop.work(order, technician, start=at + timedelta(minutes=30), done=at + timedelta(hours=1, minutes=20))
    shop.pass_quality_check(order, technician, at=at + timedelta(hours=1, minutes=30))
    shop.settle(order, at=at + timedelta(hours=2, minutes=30))
    services.deliver(order.id, actor=advisor, now=at + timedelta(hours=2, minutes=40))
    return order


def _ready(shop: _Shop, vehicle: Vehicle, now: datetime) -> RepairOrder:
    """Front brake pads replaced this morning, checked, ready before the promise: waiting for the owner."""
    advisor, technician = shop.crew.advisors[1], shop.crew.technicians[0]
    at = now - timedelta(hours=5)
    order = shop.open(vehicle, ["踩刹车时前轮有尖锐异响"], kind="general_repair", at=at,
                      promised=now + timedelta(hours=1), advisor=advisor)
    job = order.jobs[0].id
    shop.labor(job, "BRK-PADF", at=at, actor=advisor)
    shop.part(job, FRONT_PADS.get(vehicle.model_family, "5Q0698151B"), 1000, at=at, actor=advisor)
    shop.approve(order, at=at + timedelta(minutes=15), advisor=advisor)
    shop.dispatch(order, technician, at=at + timedelta(minutes=30), advisor=advisor)
    shop.work(order, technician, start=at + timedelta(hours=1), done=at + timedelta(hours=3))
    shop.pass_quality_check(order, technician, at=at + timedelta(hours=3, minutes=30))
    return order


def _in_progress(shop: _Shop, vehicle: Vehicle, now: datetime) -> RepairOrder:
    """Maintenance and air conditioning in the workshop, with a finding (增项) waiting for the owner."""
    advisor, technician = shop.crew.advisors[0], shop.crew.technicians[1]
    at = now - timedelta(hours=3)
    order = shop.open(vehicle, ["常规保养", "空调出风不够凉"], kind="maintenance", at=at,
                      promised=now + timedelta(hours=3), advisor=advisor)
    service, air = order.jobs[0].id, order.jobs[1].id
    shop.labor(service, "MNT-OIL", at=at, actor=advisor)
    shop.part(service, "G055167M4", 4000, at=at, actor=advisor)
    shop.part(service, "04E115561H", 1000, at=at, actor=advisor)
    shop.labor(air, "AC-SERV", at=at, actor=advisor)
    shop.part(air, "G055164A2", 500, at=at, actor=advisor)
    shop.approve(order, at=at + timedelta(minutes=15), advisor=advisor)
    # The refrigerant is still at the parts counter: the air conditioning waits in the clerk's issue queue.
    shop.dispatch(order, technician, at=at + timedelta(minutes=30), advisor=advisor, waiting=("G055164A2",))
    who = technician.as_actor()
    services.clock_on(service, actor=who, now=at + timedelta(minutes=45))
    services.mark_job_done(service, actor=who, now=at + timedelta(hours=1, minutes=30))
    services.clock_on(air, actor=who, now=at + timedelta(hours=1, minutes=40))
    finding = services.add_job(order.id, concern="前雨刮片老化，刮不干净", finding=True, actor=who,
                               now=at + timedelta(hours=2))
    shop.part(finding.id, "5GG955427", 1000, at=at + timedelta(hours=2, minutes=5), actor=advisor)
    return order


def _estimated(shop: _Shop, vehicle: Vehicle, now: datetime) -> RepairOrder:
    """A scraped front bumper: the estimate is with the owner, who has not answered yet."""
    advisor = shop.crew.advisors[0]
    at = now - timedelta(hours=1)
    order = shop.open(vehicle, ["前保险杠右侧刮擦，需钣喷"], kind="body_paint", at=at,
                      promised=now + timedelta(days=1, hours=2), advisor=advisor, damage="前保险杠右侧刮擦约 20 厘米")
    job = order.jobs[0].id
    shop.labor(job, "BODY-BUMPF", at=at, actor=advisor)
    shop.labor(job, "PNT-PANEL", at=at, actor=advisor)
    shop.part(job, "5Q0853651", 1000, at=at, actor=advisor)
    services.submit_estimate(order.id, actor=advisor, now=at + timedelta(minutes=20))
    return order


def _just_opened(shop: _Shop, vehicle: Vehicle, now: datetime) -> RepairOrder:
    """A car that has just come in with its engine light on: diagnosis first."""
    advisor = shop.crew.advisors[1]
    at = now - timedelta(minutes=15)
    order = shop.open(vehicle, ["仪表盘发动机故障灯亮"], kind="general_repair", at=at,
                      promised=now + timedelta(hours=2), advisor=advisor)
    shop.labor(order.jobs[0].id, "DIAG-OBD", at=at, actor=advisor)
    return order


# In this order: the late one's technician clocks off before the in-progress one's clock starts.
SCENARIOS = (_late, _delivered, _ready, _in_progress, _estimated, _just_opened)


def seed_orders(store: Store, *, now: datetime, rng: random.Random) -> int:
    """Drive a handful of orders through the real workflow, once per store; return how many were made."""
    if db.session.scalar(sa.select(RepairOrder.id).where(RepairOrder.store_id == store.id).limit(1)):
        return 0
    # The newest cars: the first ones stay free of history for whoever tries the front desk.
    vehicles = list(db.session.scalars(sa.select(Vehicle).where(Vehicle.store_id == store.id)
                                       .order_by(Vehicle.id.desc()).limit(len(SCENARIOS))))
    shop = _Shop(store, rng)
    made = 0
    for scenario, vehicle in zip(SCENARIOS, vehicles):
        scenario(shop, vehicle, now)
        made += 1
    return made
