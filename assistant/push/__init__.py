"""Push copy in batch: personalized promotional messages for a whole user base, checked in code.

campaign file -> audience -> picks per user (ranker) -> prompts -> batched generation -> checks ->
one regeneration -> template fallback -> ledger + outbox (resumable) -> report.
"""

from assistant.push.campaign import Campaign, CampaignError, load_campaign
from assistant.push.ledger import PushLedger
from assistant.push.records import Offer, PushMessage, sale_price
from assistant.push.report import campaign_report
from assistant.push.run import PushRunSummary, preview, run_campaign

__all__ = ["Campaign", "CampaignError", "Offer", "PushLedger", "PushMessage", "PushRunSummary", "campaign_report",
           "load_campaign", "preview", "run_campaign", "sale_price"]
