"""The input of the customers' services: what a customer file and a vehicle are made of (pages, API, other modules)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


@dataclass
class CustomerInput:
    name: str
    mobile: str
    phone2: str = ""
    marketing_consent: bool = False
    birthday: date | None = None
    advisor_id: int | None = None
    notes: str = ""


@dataclass
class VehicleInput:
    plate: str
    vin: str
    brand: str = ""
    model: str = ""
    model_year: int | None = None
    colour: str = ""
    engine_number: str = ""
    purchase_date: date | None = None
    registration_date: date | None = None
    use: str = "private"
    seats: int | None = None
    insurance_expiry: date | None = None
    last_inspection_date: date | None = None
    vehicle_class: str = "small_passenger"
    model_family: str = ""
    odometer_km: int | None = field(default=None, metadata={"create_only": True})
