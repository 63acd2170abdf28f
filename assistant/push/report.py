"""What a campaign did: messages by variant, skips and fallbacks, and, once click and purchase events
come back, CTR and conversion per variant with a significance test for the A/B comparison."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from datetime import datetime
from typing import Any

from scipy import stats

from assistant.push.ledger import PushLedger
from ranking.event_store import EventStore

ATTRIBUTION_DAYS = 7


def two_proportion_z(success_a: int, n_a: int, success_b: int, n_b: int) -> tuple[float, float]:
    """z statistic and two-sided p-value for the difference of two proportions (pooled variance)."""
    if n_a == 0 or n_b == 0:
        return 0.0, 1.0
    pooled = (success_a + success_b) / (n_a + n_b)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n_a + 1 / n_b))
    if se == 0:
        return 0.0, 1.0
    z = (success_a / n_a - success_b / n_b) / se
    return z, float(2 * stats.norm.sf(abs(z)))


def compare_variants(successes: dict[str, int], totals: dict[str, int]) -> dict[str, Any] | None:
    """Two variants: two-proportion z-test; more: chi-square test of independence."""
    variants = sorted(v for v in totals if totals[v])
    if len(variants) < 2 or not any(successes.get(v, 0) for v in variants):
        return None
    if len(variants) == 2:
        a, b = variants
        z, p = two_proportion_z(successes.get(a, 0), totals[a], successes.get(b, 0), totals[b])
        return {
            "test": "two-proportion z",
            "variants": variants,
            "z": round(z, 4),
            "p_value": round(p, 6),
            "significant_at_0.05": p < 0.05,
        }
    table = [[successes.get(v, 0), totals[v] - successes.get(v, 0)] for v in variants]
    if any(sum(col) == 0 for col in zip(*table, strict=True)):
        return None
    chi2, p, dof, _ = stats.chi2_contingency(table)
    return {
        "test": "chi-square",
        "variants": variants,
        "chi2": round(float(chi2), 4),
        "dof": int(dof),
        "p_value": round(float(p), 6),
        "significant_at_0.05": bool(p < 0.05),
    }


def campaign_report(
    ledger: PushLedger, events: EventStore, campaign_id: str, attribution_days: int = ATTRIBUTION_DAYS
) -> dict[str, Any]:
    """Counts by variant, the fallback rate and its reasons, skips, and outcomes from behaviour events.

    A click (or purchase) counts for a message when the user clicked (bought) one of the message's
    products within `attribution_days` after the message's send time.
    """
    info = ledger.campaign_info(campaign_id)
    if info is None:
        raise ValueError(
            f"no push campaign {campaign_id!r} in this store's ledger; run 'shopmate push' first"
        )
    lines = list(ledger.lines(campaign_id))
    by_variant: dict[str, Counter] = defaultdict(Counter)
    fallback_reasons: Counter[str] = Counter()
    for line in lines:
        v = by_variant[line["variant"]]
        v["messages"] += 1
        v["first_try"] += bool(line["checks"].get("first_try"))
        fallback = line["checks"].get("fallback")
        if fallback:
            v["fallbacks"] += 1
            fallback_reasons[fallback] += 1
        clicked, bought = _outcomes(events, line, attribution_days)
        v["clicked"] += clicked
        v["purchased"] += bought
    variants = {}
    for name, c in sorted(by_variant.items()):
        n = c["messages"]
        variants[name] = {
            "messages": n,
            "first_try": c["first_try"],
            "fallbacks": c["fallbacks"],
            "fallback_rate": round(c["fallbacks"] / n, 4) if n else None,
            "clicked": c["clicked"],
            "purchased": c["purchased"],
            "ctr": round(c["clicked"] / n, 4) if n else None,
            "conversion": round(c["purchased"] / n, 4) if n else None,
        }
    totals = {k: v["messages"] for k, v in variants.items()}
    total = len(lines)
    fallbacks = sum(fallback_reasons.values())
    return {
        "campaign": campaign_id,
        "messages": total,
        "variants": variants,
        "fallback_rate": round(fallbacks / total, 4) if total else None,
        "fallback_reasons": dict(fallback_reasons.most_common()),
        "first_try_pct": round(100 * sum(v["first_try"] for v in variants.values()) / total, 1)
        if total
        else None,
        "skipped": dict(Counter(ledger.skips(campaign_id).values()).most_common()),
        "outcomes_seen": any(v["clicked"] or v["purchased"] for v in variants.values()),
        "ctr_test": compare_variants({k: v["clicked"] for k, v in variants.items()}, totals),
        "conversion_test": compare_variants({k: v["purchased"] for k, v in variants.items()}, totals),
        "attribution_days": attribution_days,
        "started_at": info["started_at"],
        "finished_at": info["finished_at"],
    }


def _outcomes(events: EventStore, line: dict[str, Any], days: int) -> tuple[bool, bool]:
    start = int(datetime.fromisoformat(line["send_at"]).timestamp())
    end = start + days * 86400
    products = set(line["products"])
    clicked = bought = False
    for e in events.events_for(line["user"], start):
        if e.time > end:
            break
        if e.product_id in products:
            clicked |= e.kind in ("click", "cart", "purchase")
            bought |= e.kind == "purchase"
    return clicked, bought
