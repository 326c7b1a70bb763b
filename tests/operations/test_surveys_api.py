from datetime import timedelta
from typing import Any

from django.utils import timezone
from rest_framework.test import APIClient

from operations.models import SurveyResponse
from tests.conftest import MakeClient
from tests.customers.factories import CustomerFactory
from tests.support.errors import item_errors

from .factories import SurveyResponseFactory

URL = "/api/v1/cs-ops/surveys"


def answer(i: int, **extra: object) -> dict:
    return {
        "response_id": f"r{i}",
        "customer_id": "c1",
        "respondent_email": "Pat@Client.example",
        "kind": "nps",
        "score": 9,
        "answered_at": "2025-05-01T10:00:00Z",
        **extra,
    }


def test_ingest_creates_then_resend_changes_nothing(api: APIClient) -> None:
    CustomerFactory.create(customer_id="c1")
    batch = [
        answer(1, comment="Great support team."),
        answer(2, kind="csat", score=4),
        answer(3, score=0),
        answer(4, kind="csat", score=1, comment=""),
    ]
    response = api.post(URL, batch, format="json")
    assert response.status_code == 200, response.json()
    assert response.json() == {"created": 4, "updated": 0, "unchanged": 0}
    r1 = SurveyResponse.objects.get(response_id="r1")
    assert (r1.respondent_email, r1.kind, r1.score, r1.comment) == (
        "pat@client.example",
        "nps",
        9,
        "Great support team.",
    )
    stamps = dict(SurveyResponse.objects.values_list("response_id", "updated_at"))
    assert api.post(URL, batch, format="json").json() == {
        "created": 0,
        "updated": 0,
        "unchanged": 4,
    }
    assert dict(SurveyResponse.objects.values_list("response_id", "updated_at")) == stamps

    # A corrected score updates one row; a comment left out keeps the stored one.
    response = api.post(URL, [answer(1, score=10), answer(2, kind="csat", score=4)], format="json")
    assert response.json() == {"created": 0, "updated": 1, "unchanged": 1}
    r1.refresh_from_db()
    assert (r1.score, r1.comment) == (10, "Great support team.")


def test_ingest_reports_every_bad_item_and_writes_nothing(api: APIClient) -> None:
    CustomerFactory.create(customer_id="c1")
    in_3_days = (timezone.now() + timedelta(days=3)).isoformat()
    batch = [
        answer(0),
        answer(1, score=11),  # NPS above 10
        answer(2, score=-1),  # NPS below 0
        answer(3, kind="csat", score=0),  # CSAT below 1
        answer(4, kind="csat", score=6),  # CSAT above 5
        answer(5, kind="ces"),
        answer(6, respondent_email="not-an-email"),
        answer(7, score="9"),
        answer(8, score=7.5),
        answer(9, answered_at=in_3_days),
        answer(10, comment=5),
        answer(11, channel="email"),
        answer(0),
        {k: v for k, v in answer(13).items() if k != "answered_at"},
        answer(14, score=True),
        answer(15, score=None),
    ]
    response = api.post(URL, batch, format="json")
    assert response.status_code == 400
    assert sorted(item_errors(response), key=str) == sorted(
        [
            (1, "score", "max_value"),
            (2, "score", "min_value"),
            (3, "score", "min_value"),
            (4, "score", "max_value"),
            (5, "kind", "invalid_choice"),
            (6, "respondent_email", "invalid"),
            (7, "score", "invalid"),
            (8, "score", "invalid"),
            (9, "answered_at", "invalid"),
            (10, "comment", "invalid"),
            (11, "channel", "unknown_field"),
            (12, "response_id", "duplicate_key"),
            (13, "answered_at", "required"),
            (14, "score", "invalid"),
            (15, "score", "null"),
        ],
        key=str,
    )
    assert not SurveyResponse.objects.exists()


def test_unknown_customer_is_a_per_item_error(api: APIClient) -> None:
    CustomerFactory.create(customer_id="c1")
    response = api.post(URL, [answer(0, customer_id="ghost"), answer(1)], format="json")
    assert response.status_code == 400
    assert item_errors(response) == [(0, "customer_id", "unknown_customer")]
    assert not SurveyResponse.objects.exists()


def test_list_filters_detail_and_404(api: APIClient) -> None:
    a, b = CustomerFactory.create(customer_id="a"), CustomerFactory.create(customer_id="b")
    t0 = timezone.now() - timedelta(days=30)
    SurveyResponseFactory.create(response_id="n1", customer=a, answered_at=t0)
    SurveyResponseFactory.create(
        response_id="c1", customer=a, kind="csat", score=2, answered_at=t0 + timedelta(days=2)
    )
    SurveyResponseFactory.create(response_id="n2", customer=b, answered_at=t0 + timedelta(days=4))

    def ids(**params: str) -> list[str]:
        response = api.get(URL, params)
        assert response.status_code == 200, response.json()
        return [r["response_id"] for r in response.json()["results"]]

    assert ids() == ["n1", "c1", "n2"]  # oldest answered first
    assert ids(customer_id="a") == ["n1", "c1"]
    assert ids(kind="csat") == ["c1"]
    assert ids(answered_after=(t0 + timedelta(days=1)).isoformat()) == ["c1", "n2"]
    assert ids(answered_before=(t0 + timedelta(days=3)).isoformat()) == ["n1", "c1"]
    assert api.get(URL, {"kind": "ces"}).status_code == 400

    body = api.get(f"{URL}/c1").json()
    assert {k: body[k] for k in ("response_id", "customer_id", "kind", "score", "comment")} == {
        "response_id": "c1",
        "customer_id": "a",
        "kind": "csat",
        "score": 2,
        "comment": "",
    }
    missing = api.get(f"{URL}/nope")
    assert missing.status_code == 404
    assert missing.json()["errors"][0]["code"] == "survey_response_not_found"


def test_scopes(make_client: MakeClient) -> None:
    CustomerFactory.create(customer_id="c1")
    reader = make_client("operations:read")
    assert reader.get(URL).status_code == 200
    assert reader.post(URL, [answer(1)], format="json").status_code == 403
    assert make_client("product:read").get(URL).status_code == 403
    assert not SurveyResponse.objects.exists()


def test_list_query_count_is_bounded(api: APIClient, django_assert_max_num_queries: Any) -> None:
    for customer in CustomerFactory.create_batch(6):
        SurveyResponseFactory.create_batch(5, customer=customer)
    with django_assert_max_num_queries(3):
        assert len(api.get(URL, {"page_size": 10}).json()["results"]) == 10
    with django_assert_max_num_queries(3):
        assert len(api.get(URL, {"page_size": 500}).json()["results"]) == 30
