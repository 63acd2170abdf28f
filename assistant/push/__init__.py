"""Push copy in batch: personalized promotional messages for a whole user base, checked in code.

campaign file -> audience -> picks per user (ranker) -> prompts -> batched generation -> checks ->
one regeneration -> template fallback -> ledger + outbox (resumable) -> report. The store is read on
the driver (`briefing`); the writing (`compose`) needs only data, so it can run in Ray actors (`engines`).
"""

from assistant.push.campaign import Campaign, CampaignError, load_campaign
from assistant.push.engines import EngineOptions, ModelSpec
from assistant.push.ledger import PushLedger
from assistant.push.records import Offer, PushMessage, sale_price
from assistant.push.report import campaign_report
from assistant.push.run import PushRunSummary, PushSources, RunOptions, preview, previews, run_campaign

__all__ = [
    "Campaign",
    "CampaignError",
    "EngineOptions",
    "ModelSpec",
    "Offer",
    "PushLedger",
    "PushMessage",
    "PushRunSummary",
    "PushSources",
    "RunOptions",
    "campaign_report",
    "load_campaign",
    "preview",
    "previews",
    "run_campaign",
    "sale_price",
]
