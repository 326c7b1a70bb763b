"""The expansion model (README, "Sales: expansion readiness"): created lazily with the
documented defaults, validated, versioned once it has scored, one active; its admin and the
snapshots' admin."""

from typing import Any

import pytest

from integrations.domain_errors import Invalid
from sales.models import (
    DEFAULT_EXPANSION_WEIGHTS,
    ExpansionModel,
    ExpansionPeerShare,
    ExpansionSnapshot,
)
from sales.services.expansion import (
    active_expansion_model,
    expansion_model_activate,
    expansion_model_save,
    expansion_score,
)
from tests.admin_forms import admin_form_data, change_url
from tests.customers.factories import CustomerFactory
from tests.sales.support import AS_OF, at

pytestmark = pytest.mark.django_db


def test_created_lazily_with_the_documented_defaults() -> None:
    assert not ExpansionModel.objects.exists()
    model = active_expansion_model()
    assert (model.version, model.active) == (1, True)
    assert model.weights == DEFAULT_EXPANSION_WEIGHTS
    assert sum(model.weights.values()) == pytest.approx(1.0)
    assert (model.ready_threshold, model.seat_full_at, model.peer_adoption_share) == (
        70,
        0.85,
        0.4,
    )
    assert (model.milestone_window_days, model.probability_at_0, model.probability_at_100) == (
        90,
        0.05,
        0.9,
    )
    assert active_expansion_model().pk == model.pk
    assert ExpansionModel.objects.count() == 1


@pytest.mark.parametrize(
    ("data", "attr"),
    [
        ({"weights": {**DEFAULT_EXPANSION_WEIGHTS, "adoption_breadth": 0.3}}, "weights"),  # 1.05
        ({"weights": {"health_score": 1.0}}, "weights"),  # factors missing
        ({"weights": {**DEFAULT_EXPANSION_WEIGHTS, "karma": 0.0}}, "weights"),
        ({"weights": {**DEFAULT_EXPANSION_WEIGHTS, "health_score": True}}, "weights"),
        ({"weights": []}, "weights"),
        ({"ready_threshold": 101}, "ready_threshold"),
        ({"peer_adoption_share": 1.5}, "peer_adoption_share"),
        ({"seat_full_at": 0}, "seat_full_at"),
        ({"probability_at_0": 0.8, "probability_at_100": 0.5}, "probability_at_0"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_invalid_weights_and_thresholds_are_refused(data: dict[str, Any], attr: str) -> None:
    with pytest.raises(Invalid) as caught:
        expansion_model_save(data=data)
    assert (caught.value.code, caught.value.attr) == ("invalid_expansion_model", attr)
    assert not ExpansionModel.objects.exists()


def test_a_model_that_scored_becomes_a_new_version_when_changed() -> None:
    model = active_expansion_model()
    same = expansion_model_save(data={"ready_threshold": 65}, model=model)
    assert (same.pk, same.version, same.ready_threshold) == (model.pk, 1, 65)  # not used yet
    CustomerFactory.create()
    expansion_score(as_of=AS_OF, computed_at=at(AS_OF))
    changed = expansion_model_save(data={"ready_threshold": 60}, model=same)
    assert (changed.version, changed.active, changed.ready_threshold) == (2, True, 60)
    model.refresh_from_db()
    assert (model.ready_threshold, model.active) == (65, False)  # history intact
    expansion_model_activate(model=model)
    assert active_expansion_model().version == 1
    assert ExpansionModel.objects.filter(active=True).count() == 1


def test_admin_saves_through_the_service_and_lists_snapshots(staff: Any) -> None:
    model = active_expansion_model()
    CustomerFactory.create(customer_id="cust_admin")
    expansion_score(as_of=AS_OF, computed_at=at(AS_OF))
    url = change_url(model)
    data = admin_form_data(staff, url)
    data["peer_adoption_share"] = "0.5"
    response = staff.post(url, data)
    assert response.status_code == 302, response.content
    assert list(ExpansionModel.objects.values_list("version", "peer_adoption_share", "active")) == [
        (2, 0.5, True),
        (1, 0.4, False),
    ]
    data["weights"] = '{"health_score": 1}'
    response = staff.post(change_url(ExpansionModel.objects.get(version=2)), data)
    assert response.status_code == 200
    assert "missing" in response.content.decode()
    snapshot = ExpansionSnapshot.objects.get()
    for page in [
        "/admin/sales/expansionmodel/",
        "/admin/sales/expansionmodel/add/",
        "/admin/sales/expansionsnapshot/",
        "/admin/sales/expansionsnapshot/?ready__exact=0&is_latest__exact=1&q=cust_admin",
        "/admin/sales/expansionsnapshot/?customer__segment=mid_market",
        "/admin/sales/expansionpeershare/",
        "/admin/sales/expansionpeershare/?segment=mid_market",
        change_url(snapshot),
    ]:
        assert staff.get(page).status_code == 200, page


def test_admin_refuses_deleting_a_model(staff: Any) -> None:
    """Snapshots name their model by version number: a deleted version's number would be
    given again to the next save (newest + 1), so its history would read another model."""
    model = active_expansion_model()
    CustomerFactory.create(customer_id="cust_admin")
    expansion_score(as_of=AS_OF, computed_at=at(AS_OF))
    # (Snapshots stay deletable: deleting a customer cascades to them.)
    share = ExpansionPeerShare.objects.get(segment="mid_market", feature_id="")
    rows: list[tuple[str, ExpansionModel | ExpansionPeerShare]] = [
        ("expansionmodel", model),
        ("expansionpeershare", share),
    ]
    for model_admin, row in rows:
        url = f"/admin/sales/{model_admin}/{row.pk}/delete/"
        assert staff.post(url, {"post": "yes"}).status_code == 403, model_admin
        bulk = {"action": "delete_selected", "_selected_action": [row.pk], "post": "yes"}
        staff.post(f"/admin/sales/{model_admin}/", bulk)
    assert ExpansionModel.objects.filter(pk=model.pk).exists()
    assert ExpansionPeerShare.objects.filter(pk=share.pk).exists()


def test_admin_answers_deeply_nested_weights_with_a_form_error(staff: Any) -> None:
    """Django's JSON form field let the parser's RecursionError through: a 500."""
    model = active_expansion_model()
    url = change_url(model)
    data = admin_form_data(staff, url)
    data["weights"] = "[" * 5000 + "]" * 5000
    response = staff.post(url, data)
    assert response.status_code == 200
    assert "nested too deeply" in response.content.decode()
    assert ExpansionModel.objects.get().weights == DEFAULT_EXPANSION_WEIGHTS
