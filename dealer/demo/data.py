"""Realistic generated values: plates, VINs and mobiles that pass the validators, Chinese names."""
from __future__ import annotations

import random
import string

from dealer.customers.validators import vin_check_digit

PLATE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"
PLATE_ALNUM = "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789"
VIN_CHARS = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"
# Mobile prefixes of the three carriers (and the virtual-free ranges) that phonenumbers accepts.
MOBILE_PREFIXES = ("130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152", "153",
                   "155", "156", "157", "158", "159", "166", "175", "176", "177", "180", "181", "182", "183",
                   "185", "186", "187", "188", "189", "191", "198", "199")

# 一汽-大众 (FAW-Volkswagen) models: (model, family, seats, new-energy)
FAW_VW_MODELS = (
    ("宝来 Bora", "compact", 5, False),
    ("速腾 Sagitar", "compact", 5, False),
    ("迈腾 Magotan", "midsize", 5, False),
    ("CC", "midsize", 5, False),
    ("探歌 T-Roc", "suv", 5, False),
    ("探岳 Tayron", "suv", 5, False),
    ("揽境 Talagon", "suv", 7, False),
    ("ID.4 CROZZ", "ev", 5, True),
    ("ID.6 CROZZ", "ev", 7, True),
)
COLOURS = ("白色", "黑色", "银色", "灰色", "蓝色", "红色", "棕色")


def plate(rng: random.Random, province: str, city: str, new_energy: bool = False) -> str:
    if new_energy:
        return province + city + rng.choice("DF") + rng.choice(PLATE_ALNUM) + "".join(
            rng.choices(string.digits, k=4))
    # Ordinary plates use at most two letters among the five; most are digits.
    body = [rng.choice(string.digits) for _ in range(5)]
    for index in rng.sample(range(5), rng.choice((0, 1, 1, 2))):
        body[index] = rng.choice(PLATE_LETTERS)
    return province + city + "".join(body)


def vin(rng: random.Random, wmi: str = "LFV", year_code: str | None = None) -> str:
    chars = list(wmi + "".join(rng.choices(VIN_CHARS, k=5)) + "0" + (year_code or rng.choice("EFGHJKLMNPRS"))
                 + rng.choice(VIN_CHARS) + "".join(rng.choices(string.digits, k=6)))
    chars[8] = vin_check_digit("".join(chars))
    return "".join(chars)


def mobile(rng: random.Random) -> str:
    return rng.choice(MOBILE_PREFIXES) + "".join(rng.choices(string.digits, k=8))


def engine_number(rng: random.Random) -> str:
    return "".join(rng.choices(string.ascii_uppercase, k=3)) + "".join(rng.choices(string.digits, k=6))
