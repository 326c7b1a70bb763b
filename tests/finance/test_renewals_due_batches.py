"""Renewals due scored in ARR order until the page is settled (issue 17): ARR at risk never
exceeds ARR, so a page stops scoring once its rows (and one after them) are above every
unscored ARR. Held to the whole list: every page, forwards and backwards, at small batches."""

import random
from typing import Any

import pytest

from finance.api import renewal_views
from finance.renewals import due as due_module
from finance.renewals.due import renewals_due
from operations.models import Escalation
from tests.customers.factories import CustomerFactory
from tests.finance.renewals_support import BEFORE, DAY, URL, contract, health, ids

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _today(monkeypatch: Any) -> None:
    monkeypatch.setattr(renewal_views, "today", lambda: DAY)


@pytest.fixture
def batches(monkeypatch: Any) -> list[int]:
    """Small batches (3, then twice the last), and the size of each batch scored."""
    monkeypatch.setattr(due_module, "FIRST_BATCH", 3)
    monkeypatch.setattr(due_module, "BATCH_GROWTH", 2)
    sizes: list[int] = []
    scored = due_module._scored

    def spy(rows: Any, *args: Any) -> Any:
        sizes.append(len(rows))
        return scored(rows, *args)

    monkeypatch.setattr(due_module, "_scored", spy)
    return sizes


def test_a_first_page_stops_scoring_once_it_is_settled(api: Any, batches: list[int]) -> None:
    # Twelve customers alike but for their ARR (1,024,000 halved eleven times, down to 500),
    # so every probability is the seeded prior's with no data: log-odds 1.5 + 0.25 (no
    # invoice) + 0.16 (no escalation) - 0.3 (no sponsor) = 1.61, p = 0.8334 and ARR at risk
    # = 0.1666 x ARR.
    for i in range(12):
        customer = CustomerFactory.create(licensed_seats=0, segment="mid_market")
        contract(customer, f"ctr_{i:02d}", 30, 1_024_000 >> i)
    response = api.get(URL, {"page_size": 2})
    assert ids(response) == ["ctr_00", "ctr_01"]
    # Published to the unit.
    assert [row["arr_at_risk"] for row in response.json()["results"]] == [170598, 85299]
    # The page needs 3 settled rows. Batch 1 (1,024,000 / 512,000 / 256,000) leaves 128,000
    # the largest unscored ARR: only 170,598.40 is above it. Batch 2 (6 more, down to 4,000)
    # leaves 2,000: 170,598.40 ... 2,665.60 (16,000) are above it, 7 rows; 3 are enough.
    # Three of the twelve are never scored.
    assert batches == [3, 6]
    assert response.json()["next"] is not None
    # The whole list is scored for a page that needs it.
    batches.clear()
    assert len(ids(api.get(URL, {"page_size": 12}))) == 12
    assert batches == [3, 6, 3]


def test_a_high_arr_renewal_likely_to_renew_sorts_after_a_smaller_one_at_risk(
    api: Any, batches: list[int]
) -> None:
    # ctr_big: ARR 100,000 but health 95 (enterprise): p close to 1, little at risk.
    big = CustomerFactory.create(licensed_seats=0, segment="enterprise")
    health(big, 95, "healthy")
    contract(big, "ctr_big", 30, 100_000)
    # ctr_risky: ARR 40,000 with an open escalation and health 20.
    risky = CustomerFactory.create(licensed_seats=0, segment="small_business")
    health(risky, 20, "critical")
    Escalation.objects.create(
        customer=risky,
        escalation_id="esc_r",
        owner_email="o@x.example",
        reason="r",
        opened_at=BEFORE,
    )
    contract(risky, "ctr_risky", 30, 40_000)
    for i in range(6):
        contract(CustomerFactory.create(licensed_seats=0), f"ctr_small_{i}", 30, 1_000 + i)
    whole = renewals_due(as_of=DAY, days=90)
    at_risk = {row.contract_id: row.arr_at_risk for row in whole}
    assert at_risk["ctr_risky"] > at_risk["ctr_big"]  # the data does what it says
    assert ids(api.get(URL, {"page_size": 1})) == ["ctr_risky"]


def _random_book(rng: random.Random, n: int) -> None:
    pool = [int(1_000 * 2 ** rng.uniform(0, 12)) for _ in range(12)]
    for i in range(n):
        customer = CustomerFactory.create(
            licensed_seats=0, segment=rng.choice(["enterprise", "mid_market", "small_business"])
        )
        if rng.random() < 0.8:
            health(customer, rng.randint(0, 100), "at_risk")
        if rng.random() < 0.3:
            Escalation.objects.create(
                customer=customer,
                escalation_id=f"esc_{i}",
                owner_email="o@x.example",
                reason="r",
                opened_at=BEFORE,
            )
        # ARRs spread from 1,000 to 4,096,000, drawn from a pool of 12 so that some repeat:
        # ties at the bound must not be taken as settled.
        contract(customer, f"ctr_{i:03d}", 30, rng.choice(pool))


@pytest.mark.parametrize("page_size", [1, 2, 5, 7])
def test_every_page_forwards_and_back_is_the_whole_lists(
    api: Any, batches: list[int], page_size: int
) -> None:
    _random_book(random.Random(17), 30)
    whole = [row.contract_id for row in renewals_due(as_of=DAY, days=90)]
    assert len(whole) == 30
    pages: list[list[str]] = []
    response = api.get(URL, {"page_size": page_size})
    while True:
        pages.append(ids(response))
        if response.json()["next"] is None:
            break
        response = api.get(response.json()["next"])
    assert [i for page in pages for i in page] == whole
    assert all(len(page) == page_size for page in pages[:-1])
    # And back from the last page to the first.
    back: list[list[str]] = [pages[-1]]
    while response.json()["previous"] is not None:
        response = api.get(response.json()["previous"])
        back.append(ids(response))
    assert back[::-1] == pages
    batches.clear()
    api.get(URL, {"page_size": page_size})
    assert sum(batches) < 30  # the first page left renewals unscored


def test_filters_apply_before_the_bound(api: Any, batches: list[int]) -> None:
    """`max_probability` drops scored rows: a page still fills from further batches."""
    _random_book(random.Random(3), 30)
    whole = renewals_due(as_of=DAY, days=90, max_probability=0.8)
    assert 3 < len(whole) < 30
    shown = ids(api.get(URL, {"page_size": 3, "max_probability": "0.8"}))
    assert shown == [row.contract_id for row in whole[:3]]
