"""Builders for rescue tests: the store's units at real places, a call taken at the intake screen."""
from __future__ import annotations

import uuid

from dealer.extensions import db
from dealer.rescue import geo, services
from dealer.rescue.models import RescueUnit
from dealer.rescue.services import IntakeInput
from tests.helpers import NOW

# Real places of Guangdong, WGS-84 (latitude, longitude).
BAOAN = (22.5553, 113.8838)      # 深圳宝安 (the store's town)
NANSHAN = (22.5333, 113.9304)    # 深圳南山
DONGGUAN = (23.0207, 113.7518)   # 东莞南城
GUANGZHOU = (23.1247, 113.3612)  # 广州天河
HUIZHOU = (23.1115, 114.4152)    # 惠州
ALL_ROUND = ["towing", "flatbed", "jump_start", "tyre_change", "fuel_delivery", "lockout", "minor_repair"]


def key() -> str:
    return uuid.uuid4().hex


def unit(store, name: str, at=None, *, capabilities=None, status="available", position_at=NOW, kind="flatbed",
         phone="13900000001") -> RescueUnit:
    found = RescueUnit(store_id=store.id, name=name, kind=kind, phone=phone, status=status,
                       capabilities=list(ALL_ROUND if capabilities is None else capabilities),
                       latitude_wgs84=at[0] if at else None, longitude_wgs84=at[1] if at else None,
                       position_at=position_at if at else None)
    db.session.add(found)
    db.session.flush()
    return found


def take_call(store, who, *, phone="13812345678", at=BAOAN, now=NOW, intake_key=None, **facts):
    """A call saved by the intake screen, with the car's position given in WGS-84."""
    data = IntakeInput(caller_phone=phone, address="宝安大道100号", fault_type=facts.pop("fault_type", "no_start"),
                       latitude=at[0] if at else None, longitude=at[1] if at else None,
                       coordinate_system=geo.WGS84, **facts)
    return services.save_intake(intake_key or key(), data, store_id=store.id, actor=who, now=now)


def link(token: str) -> str:
    return f"https://dealer.example/rescue/crew/{token}"
