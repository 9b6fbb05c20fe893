"""Kinds of SMS: service or marketing, priority, whether they may go out at night, their variables.

Every module that notifies an owner names one of these kinds; the store edits the wording of each.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from flask_babel import lazy_gettext as _l

SERVICE = "service"
MARKETING = "marketing"


@dataclass(frozen=True)
class Kind:
    code: str
    label: object  # a lazy translation
    category: str
    priority: int  # lower goes first when the gateway is back after an outage
    night_ok: bool  # may be sent during quiet hours
    capped: bool  # counts against (and obeys) the per-phone daily cap
    variables: tuple[str, ...]  # the ${name} placeholders a template may use
    default_body: str
    # How long a message of this kind stays true after it is queued (None: until its event moots it). The
    # sender cancels an older one as expired instead of sending it; an event can end it sooner
    # (`outbox.cancel_queued`: the car collected, the rescue over, the booking passed).
    valid_for: timedelta | None = None


KINDS: dict[str, Kind] = {k.code: k for k in (
    Kind("rescue_eta", _l("Rescue: arrival time"), SERVICE, 0, True, False,
         ("name", "plate", "eta_minutes", "responder", "responder_phone"),
         "${name}您好，救援人员${responder}预计${eta_minutes}分钟后到达，电话${responder_phone}。请在安全位置等候。",
         valid_for=timedelta(hours=2)),
    Kind("booking_code", _l("Booking code"), SERVICE, 1, True, False,
         ("name", "plate", "code", "slot", "service", "link"),
         "${name}您好，您的车辆${plate}已预约${slot}${service}，预约码${code}，到店请出示。改期或取消：${link}",
         valid_for=timedelta(days=30)),
    # The phone check of an online booking: a code is true for 5 minutes (dealer.sms.verification).
    Kind("booking_verification", _l("Booking verification code"), SERVICE, 0, True, False,
         ("code",),
         "您的预约验证码为${code}，5分钟内有效。如非本人操作请忽略。",
         valid_for=timedelta(minutes=5)),
    Kind("car_ready", _l("Car ready"), SERVICE, 2, False, False,
         ("name", "plate", "store_phone"),
         "${name}您好，您的车辆${plate}已完工，可随时来店提车。咨询电话${store_phone}。",
         valid_for=timedelta(days=1)),
    Kind("opt_out_confirmation", _l("Opt-out confirmation"), SERVICE, 3, False, False,
         (),
         "您已成功退订营销短信，今后不再向您发送活动和问候信息；保养、年审等服务提醒不受影响。",
         valid_for=timedelta(days=1)),
    Kind("feedback_link", _l("Feedback link"), SERVICE, 4, False, True,
         ("name", "plate", "link"),
         "${name}您好，感谢您光临本店。请花一分钟评价本次服务：${link}",
         valid_for=timedelta(days=7)),
    Kind("inspection_reminder", _l("Annual inspection reminder"), SERVICE, 5, False, True,
         ("name", "plate", "due_date", "store_phone"),
         "${name}您好，您的车辆${plate}年审将于${due_date}到期，请及时检验。本店可代办，电话${store_phone}。"),
    Kind("inspection_sticker_reminder", _l("Inspection sticker reminder"), SERVICE, 5, False, True,
         ("name", "plate", "due_date", "store_phone"),
         "${name}您好，您的车辆${plate}应于${due_date}前申领检验标志（免上线检验），可在交管12123办理。"),
    Kind("insurance_reminder", _l("Insurance renewal reminder"), SERVICE, 5, False, True,
         ("name", "plate", "due_date", "store_phone"),
         "${name}您好，您的车辆${plate}保险将于${due_date}到期，本店可代办续保，电话${store_phone}。"),
    Kind("maintenance_reminder", _l("Maintenance reminder"), SERVICE, 5, False, True,
         ("name", "plate", "due_date", "store_phone"),
         "${name}您好，您的车辆${plate}预计${due_date}前需要保养，欢迎预约，电话${store_phone}。"),
    Kind("member_downgrade_warning", _l("Membership: tier to be lowered"), SERVICE, 6, False, True,
         ("name", "tier", "new_tier", "date"),
         "${name}您好，您的会员等级${tier}将于${date}按近12个月消费调整为${new_tier}，期间到店消费可保级。",
         valid_for=timedelta(days=7)),
    Kind("campaign_invitation", _l("Campaign invitation"), MARKETING, 8, False, True,
         ("name", "campaign", "period", "store_phone"),
         "${name}您好，${campaign}火热进行中（${period}），欢迎到店，电话${store_phone}。"),
    # ${greeting} is the holiday's own wish (dealer.reminders.holidays): 清明 is no day to wish 快乐.
    Kind("greeting_holiday", _l("Holiday greeting"), MARKETING, 9, False, True,
         ("name", "holiday", "greeting"),
         "${name}您好，值此${holiday}，祝您${greeting}！感谢您一直以来的信任与支持。",
         valid_for=timedelta(days=1)),
    Kind("greeting_birthday", _l("Birthday greeting"), MARKETING, 9, False, True,
         ("name",),
         "${name}您好，祝您生日快乐，一路平安！",
         valid_for=timedelta(days=1)),
    # To the rescue crew's phone (a unit's or a partner station's): the job and the link to its page.
    Kind("rescue_crew_link", _l("Rescue: crew job link"), SERVICE, 0, True, False,
         ("call", "address", "link"),
         "救援任务#${call}：${address}。请打开链接查看并更新进度：${link}",
         valid_for=timedelta(hours=2)),
    # -- quick lane (快修区): the owner waits in the lounge; once per order, when the car is ready ----------
    Kind("quick_lane_ready", _l("Quick lane: car ready"), SERVICE, 1, True, False,
         ("name", "plate", "key_tag", "store_phone"),
         "${name}您好，您的车辆${plate}快保已完工，请凭钥匙牌${key_tag}到快修区交车台提车。咨询电话${store_phone}。",
         valid_for=timedelta(hours=4)),
    # booking (issue 16): the owner's progress page link, the booking's reminder the day before.
    Kind("order_progress_link", _l("Repair progress link"), SERVICE, 2, False, False,
         ("name", "plate", "link"),
         "${name}您好，您的车辆${plate}已接车。维修进度、报价与增项确认请点击：${link}",
         valid_for=timedelta(days=1)),
    Kind("booking_reminder", _l("Booking reminder (the day before)"), SERVICE, 3, False, False,
         ("name", "plate", "slot", "service", "link"),
         "${name}您好，提醒您明天${slot}为车辆${plate}预约了${service}。如需改期或取消请点击：${link}",
         valid_for=timedelta(days=1)),
    # Membership: the phone check of joining on the public site (dealer.sms.verification, purpose member_join).
    Kind("member_join_code", _l("Membership: verification code to join"), SERVICE, 0, True, False,
         ("code",),
         "您正在申请加入会员，验证码为${code}，5分钟内有效。如非本人操作请忽略。",
         valid_for=timedelta(minutes=5)),
    # rescue (second slice): to the owner when the arrival slips by more than the store's minutes, once a slip.
    Kind("rescue_eta_late", _l("Rescue: later arrival"), SERVICE, 0, True, False,
         ("name", "plate", "eta_minutes", "responder", "responder_phone"),
         "${name}您好，救援人员${responder}因路况预计${eta_minutes}分钟后到达，电话${responder_phone}。请在安全位置等候，抱歉。",
         valid_for=timedelta(hours=2)),
    # quick lane (third slice): to the store's manager on duty, once a day, when cars are left in the lane past
    # the store's close-by time (日结提醒).
    Kind("quick_lane_close_day", _l("Quick lane: close the day"), SERVICE, 3, True, False,
         ("store", "cars", "time"),
         "${store}快修区已过日结时间${time}，仍有${cars}辆车未结转或关闭，请登录系统完成日结。",
         valid_for=timedelta(hours=6)),
)}

OPT_OUT_LINE = "回T退订"
