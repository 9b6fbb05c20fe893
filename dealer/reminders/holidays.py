"""The Chinese holidays a store greets its owners on (节日问候), as data, with the source of each date.

元旦, 劳动节 and 国庆节 fall on the same Gregorian date every year. 春节, 元宵节, 端午节 and 中秋节 follow
the lunar calendar (1/1, 1/15, 5/5 and 8/15) and 清明节 is a solar term, so their dates are listed per
year. Source: Hong Kong Observatory, 公历与农历日期对照表 (Gregorian-Lunar Calendar Conversion Table),
years 2026 to 2028; the 2026 dates agree with 国务院办公厅关于2026年部分节假日安排的通知. Add the next
year's dates before it starts: in a year the table lacks, only the fixed-date holidays are greeted and
the greetings task logs a warning every night (`missing_years`).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

SOURCE = "香港天文台《公历与农历日期对照表》2026-2028年; 国务院办公厅关于2026年部分节假日安排的通知"


@dataclass(frozen=True)
class Holiday:
    code: str
    name: str  # ${holiday} in the template
    # ${greeting}: the wish. 清明 is a day of remembrance and 端午 is wished 安康, not 快乐.
    greeting: str
    fixed: tuple[int, int] | None = None  # (month, day), every year
    dates: dict[int, date] = field(default_factory=dict)  # per year: lunar festivals and solar terms

    def date_in(self, year: int) -> date | None:
        if self.fixed is not None:
            return date(year, *self.fixed)
        return self.dates.get(year)


HOLIDAYS: tuple[Holiday, ...] = (
    Holiday("new_year", "元旦", "新年快乐，万事顺意", fixed=(1, 1)),
    Holiday("spring_festival", "春节", "新春快乐，阖家幸福",
            dates={2026: date(2026, 2, 17), 2027: date(2027, 2, 6), 2028: date(2028, 1, 26)}),
    Holiday("lantern_festival", "元宵节", "元宵快乐，团圆美满",
            dates={2026: date(2026, 3, 3), 2027: date(2027, 2, 20), 2028: date(2028, 2, 9)}),
    Holiday("qingming", "清明节", "清明安康，出行平安",
            dates={2026: date(2026, 4, 5), 2027: date(2027, 4, 5), 2028: date(2028, 4, 4)}),
    Holiday("labour_day", "劳动节", "劳动节快乐", fixed=(5, 1)),
    Holiday("dragon_boat", "端午节", "端午安康",
            dates={2026: date(2026, 6, 19), 2027: date(2027, 6, 9), 2028: date(2028, 5, 28)}),
    Holiday("mid_autumn", "中秋节", "中秋快乐，阖家团圆",
            dates={2026: date(2026, 9, 25), 2027: date(2027, 9, 15), 2028: date(2028, 10, 3)}),
    Holiday("national_day", "国庆节", "国庆快乐", fixed=(10, 1)),
)


def holidays_on(day: date) -> list[Holiday]:
    """Return the holidays that fall on `day` (none for a lunar festival of a year the table lacks)."""
    return [holiday for holiday in HOLIDAYS if holiday.date_in(day.year) == day]


def missing_years(years) -> list[int]:
    """Return the years, of those given, for which some holiday has no date."""
    return [year for year in years if any(holiday.date_in(year) is None for holiday in HOLIDAYS)]
