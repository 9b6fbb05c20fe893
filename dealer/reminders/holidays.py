"""The Chinese holidays a store greets its owners on (节日问候), and their dates.

元旦, 劳动节 and 国庆节 fall on the same Gregorian date every year. 春节, 元宵节, 端午节 and 中秋节 follow
the lunar calendar (正月初一, 正月十五, 五月初五, 八月十五) and 清明节 is a solar term; their dates come
from borax's Chinese calendar (`borax.calendars`: lunar dates and the 24 solar terms, 1900 to 2100).
The tests pin it against the Hong Kong Observatory's 公历与农历日期对照表 for 2026 to 2028. A year outside
the calendar's range has only the fixed-date holidays, and the greetings task logs a warning
(`missing_years`).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from borax.calendars.festivals2 import TermFestival
from borax.calendars.lunardate import MAX_LUNAR_YEAR, MIN_LUNAR_YEAR, LunarDate


@dataclass(frozen=True)
class Holiday:
    code: str
    name: str  # ${holiday} in the template
    # ${greeting}: the wish. 清明 is a day of remembrance and 端午 is wished 安康, not 快乐.
    greeting: str
    fixed: tuple[int, int] | None = None  # (month, day) of the Gregorian calendar, every year
    lunar: tuple[int, int] | None = None  # (month, day) of the lunar calendar
    solar_term: str | None = None  # one of the 24 solar terms (节气)

    def date_in(self, year: int) -> date | None:
        """The holiday's Gregorian date in `year`, or None outside the lunar calendar's range."""
        if self.fixed is not None:
            return date(year, *self.fixed)
        return _calendar_date(self.lunar, self.solar_term, year)


@lru_cache(maxsize=1024)
def _calendar_date(lunar: tuple[int, int] | None, solar_term: str | None, year: int) -> date | None:
    # The lunar festivals greeted here fall in the Gregorian year of their lunar year (春节 between
    # 21 January and 20 February), so lunar year `year` gives the date in Gregorian year `year`.
    if not MIN_LUNAR_YEAR < year <= MAX_LUNAR_YEAR:
        return None
    if lunar is not None:
        return LunarDate(year, *lunar).to_solar_date()
    return TermFestival(name=solar_term).at(year=year)


HOLIDAYS: tuple[Holiday, ...] = (
    Holiday("new_year", "元旦", "新年快乐，万事顺意", fixed=(1, 1)),
    Holiday("spring_festival", "春节", "新春快乐，阖家幸福", lunar=(1, 1)),
    Holiday("lantern_festival", "元宵节", "元宵快乐，团圆美满", lunar=(1, 15)),
    Holiday("qingming", "清明节", "清明安康，出行平安", solar_term="清明"),
    Holiday("labour_day", "劳动节", "劳动节快乐", fixed=(5, 1)),
    Holiday("dragon_boat", "端午节", "端午安康", lunar=(5, 5)),
    Holiday("mid_autumn", "中秋节", "中秋快乐，阖家团圆", lunar=(8, 15)),
    Holiday("national_day", "国庆节", "国庆快乐", fixed=(10, 1)),
)


def holidays_on(day: date) -> list[Holiday]:
    """Return the holidays that fall on `day`."""
    return [holiday for holiday in HOLIDAYS if holiday.date_in(day.year) == day]


def missing_years(years) -> list[int]:
    """Return the years, of those given, for which some holiday has no date (outside the lunar calendar)."""
    return [year for year in years if any(holiday.date_in(year) is None for holiday in HOLIDAYS)]
