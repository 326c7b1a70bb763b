"""The deterministic holdout (README "Marketing: campaigns")."""

import hashlib
from collections.abc import Iterable
from decimal import Decimal

from integrations.rounding import round_half_up


def holdout_rank(campaign_id: str, customer_id: str) -> str:
    """sha256(f"{campaign_id}:{customer_id}") in hex: the order the holdout is drawn in."""
    return hashlib.sha256(f"{campaign_id}:{customer_id}".encode()).hexdigest()


def holdout_ids(campaign_id: str, customer_ids: Iterable[str], fraction: Decimal) -> set[str]:
    """The round_half_up(fraction × size) customer_ids with the lowest rank: the holdout.
    Anyone can recompute it from the campaign_id and the member list."""
    ranked = sorted(customer_ids, key=lambda cid: (holdout_rank(campaign_id, cid), cid))
    return set(ranked[: round_half_up(Decimal(fraction) * len(ranked))])
