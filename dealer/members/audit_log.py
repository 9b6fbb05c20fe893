"""How the membership module's audit entries read (dealer.audit.events)."""
from flask_babel import lazy_gettext as _l

from dealer.audit import events
from dealer.members.models import Campaign, GroupCampaign, Member

events.record_kind("members", _l("Member"), endpoint="members.show", arg="member_id",
                   names=events.names_of(Member.id, Member.number))

events.sentence("member_joined", _l("Enrolled the member %(number)s (%(tier)s)"),
                lambda c: {"number": c.get("number", ""), "tier": c.get("tier", "")})
events.sentence("member_upgraded", _l("Raised the member's tier to %(tier)s"), lambda c: {"tier": c.get("tier", "")})
events.sentence("member_downgraded", _l("Lowered the member's tier at the anniversary to %(tier)s"),
                lambda c: {"tier": c.get("tier", "")})
events.sentence("member_tier_overridden", _l("Gave the member a tier by hand until %(until)s: %(reason)s"),
                lambda c: {"until": c.get("until", ""), "reason": c.get("reason", "")})
events.sentence("member_card_topped_up", _l("Topped up the stored-value card: %(paid)s paid, %(bonus)s bonus"),
                lambda c: {"paid": events.yuan_text(c.get("paid_fen")), "bonus": events.yuan_text(c.get("bonus_fen"))})
events.sentence("member_card_refunded", _l("Refunded the stored-value card: %(paid)s paid back, %(bonus)s bonus "
                                           "forfeited"),
                lambda c: {"paid": events.yuan_text(c.get("paid_fen")), "bonus": events.yuan_text(c.get("bonus_fen"))})
events.sentence("member_points_adjusted", _l("Corrected the points by %(points)s: %(reason)s"),
                lambda c: {"points": c.get("points", ""), "reason": c.get("reason", "")})
events.sentence("member_points_clawed_back", _l("Took back %(points)s points: %(reason)s"),
                lambda c: {"points": c.get("points", ""), "reason": c.get("reason", "")})
events.sentence("member_free_item_used", _l("Used a free item: %(note)s"), lambda c: {"note": c.get("note", "")})
events.sentence("member_free_item_given_back", _l("Gave a free item back: its order %(order)s was reversed"),
                lambda c: {"order": c.get("order", "")})
events.sentence("member_settings_saved", _l("Saved the membership settings"))
events.sentence("member_tier_saved", _l("Saved the tier %(name)s"), lambda c: {"name": c.get("name", "")})

events.record_kind("member_campaigns", _l("Campaign"), endpoint="members.campaign", arg="campaign_id",
                   names=events.names_of(Campaign.id, Campaign.name))
events.sentence("member_campaign_created", _l("Created the campaign %(name)s"), lambda c: {"name": c.get("name", "")})
events.sentence("member_campaign_launched", _l("Launched the campaign: %(invited)s invited, %(held_out)s held out"),
                lambda c: {"invited": c.get("invited", ""), "held_out": c.get("held_out", "")})
events.sentence("member_campaign_gift_given", _l("Handed over the campaign's gift %(gift)s"),
                lambda c: {"gift": c.get("gift", "")})
events.sentence("member_free_check_given_back", _l("Gave a free check package back: its order %(order)s was reversed"),
                lambda c: {"order": c.get("order", "")})
events.record_kind("member_group_campaigns", _l("Campaign for several stores"), endpoint="members.group_campaign",
                   arg="group_id", names=events.names_of(GroupCampaign.id, GroupCampaign.name))
events.sentence("member_group_campaign_created", _l("Created the group campaign %(name)s for %(stores)s stores"),
                lambda c: {"name": c.get("name", ""), "stores": c.get("stores", "")})
events.sentence("member_group_campaign_launched", _l("Launched the group campaign: %(invited)s invited, %(held_out)s "
                                                     "held out"),
                lambda c: {"invited": c.get("invited", ""), "held_out": c.get("held_out", "")})
events.sentence("member_opening_imported", _l("Imported the opening balance: %(points)s points, %(paid)s paid, %(bonus)s "
                                              "bonus"),
                lambda c: {"points": c.get("points", ""), "paid": events.yuan_text(c.get("paid_fen")),
                           "bonus": events.yuan_text(c.get("bonus_fen"))})
