"""The dashboard's page-level costs: the capacity rows built by a tag (hundreds of CSMs), the
app list built once per request, the linker asking each permission and list URL once."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.contrib import admin
from django.template.loader import get_template

from cockpit.dashboard import CapacityBar, CapacityTile, Linker
from customers.read import CsmLoad
from operations import read as operations_read
from tests.customers.factories import CustomerFactory
from tests.operations.factories import TaskFactory

pytestmark = pytest.mark.django_db


def _bar(name: str, assigned: int, capacity: int, url: str | None) -> CapacityBar:
    return CapacityBar(CsmLoad(1, f"{name.lower()}@x.io", name, True, capacity, assigned), url)


def test_capacity_rows_show_each_csm_load_bar_and_link() -> None:
    tile = CapacityTile(
        (
            _bar("Ann <&>", 3, 2, "/admin/x/?a=1&b=2"),  # over capacity: full red bar
            _bar("Bob", 1, 8, None),  # 1/8 = 12.5 % -> 12 (banker's rounding of round())
            _bar("Cy", 4, 0, "/admin/y/"),  # no capacity: no bar
        ),
        None,
    )
    html = get_template("admin/cockpit/tiles/capacity.html").render({"tile": tile})
    rows = html.split("<tbody>")[1].split("</tbody>")[0].strip().split("\n")
    assert rows == [
        '<tr data-csm="ann &lt;&amp;&gt;@x.io">'
        '<td><a href="/admin/x/?a=1&amp;b=2">Ann &lt;&amp;&gt;</a></td>'
        '<td style="width: 45%"><div class="cs-track" title="3 of 2">'
        '<div class="cs-fill cs-over" style="width: 100%"></div></div></td>'
        '<td class="cs-num">3 / 2</td></tr>',
        '<tr data-csm="bob@x.io"><td>Bob</td>'
        '<td style="width: 45%"><div class="cs-track" title="1 of 8">'
        '<div class="cs-fill" style="width: 12%"></div></div></td>'
        '<td class="cs-num">1 / 8</td></tr>',
        '<tr data-csm="cy@x.io"><td><a href="/admin/y/">Cy</a></td>'
        '<td style="width: 45%"><span class="cs-empty">no capacity set</span></td>'
        '<td class="cs-num">4 / 0</td></tr>',
    ]


def test_no_csm_says_so() -> None:
    html = get_template("admin/cockpit/tiles/capacity.html").render(
        {"tile": CapacityTile((), None)}
    )
    assert "No active CSMs." in html
    assert "<tr" not in html


def test_the_app_list_is_built_once_per_request(staff: Any, monkeypatch: Any) -> None:
    built: list[object] = []
    original = admin.AdminSite.get_app_list

    def counting(self: admin.AdminSite, request: Any, app_label: str | None = None) -> Any:
        built.append(app_label)
        return original(self, request, app_label)

    monkeypatch.setattr(admin.AdminSite, "get_app_list", counting)
    response = staff.get("/admin/")
    assert response.status_code == 200
    # the sidebar's available_apps and the index's own list: one build
    assert built == [None]
    assert response.context["app_list"] is response.context["available_apps"]


def test_the_linker_asks_each_list_once() -> None:
    asked: list[str] = []

    def can_view(label: str) -> bool:
        asked.append(label)
        return label != "operations.task"

    links = Linker(can_view)
    urls = [links.changelist("customers_of_csm", pk=pk) for pk in (1, 2, 3)]
    assert urls == [
        f"/admin/customers/customer/?success_manager__id__exact={pk}&status__exact=active"
        for pk in (1, 2, 3)
    ]
    assert links.changelist("overdue_tasks") is None
    assert links.changelist("overdue_tasks") is None
    assert links.customer_360(7) == "/admin/customers/customer/7/360/"
    assert asked == ["customers.customer", "operations.task"]


def test_a_digest_counts_every_match_beyond_its_rows_in_one_query(
    django_assert_max_num_queries: Any,
) -> None:
    now = datetime(2026, 6, 30, 12, tzinfo=UTC)
    customer = CustomerFactory.create()
    for back in range(1, 8):  # seven overdue, oldest due 7 days ago
        TaskFactory.create(task_id=f"t{back}", customer=customer, due_at=now - timedelta(days=back))
    nine_days_ago = now - timedelta(days=9)
    TaskFactory.create(task_id="done", customer=customer, due_at=nine_days_ago, completed_at=now)
    TaskFactory.create(task_id="later", customer=customer, due_at=now + timedelta(days=1))
    with django_assert_max_num_queries(1):
        digest = operations_read.overdue_tasks_digest(now=now, limit=5)
    assert digest.count == 7
    assert [item.public_id for item in digest.items] == ["t7", "t6", "t5", "t4", "t3"]
    with django_assert_max_num_queries(1):
        none = operations_read.overdue_tasks_digest(now=now - timedelta(days=30), limit=5)
    assert (none.count, none.items) == (0, ())
