"""The one shape of every bulk ingestion endpoint: validate all, apply all, report counts.

An ingestion resource (tickets, surveys, tasks, features, usage, contracts, invoices) is a
list view (GET: filtered, paginated; POST: bulk upsert of its BulkSchema's items) and a detail
view (GET one by its natural key). Subclasses name the parts; the behaviour lives here once.
"""

from collections.abc import Callable, Sequence
from typing import Any, ClassVar

from django.db.models import Model, QuerySet
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from ..bulk import BulkSchema
from ..domain_errors import NotFound
from ..upsert import BulkResult
from .base import PlatformAPIView, PlatformGenericAPIView
from .bulk_docs import BulkRequest


class BulkResultSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()


BULK_DESCRIPTION = (
    "A JSON array of up to 10,000 items, upserted by natural key. All or nothing: any bad "
    "item rejects the batch with a 400 whose errors carry `index`, `field` and `code` "
    "(unknown references too: `unknown_customer`, `unknown_feature`, `unknown_team_member`, "
    "`unknown_contract`; every problem of every item in one response). Re-sending a batch "
    "changes nothing: such rows count as `unchanged`."
)


def run_bulk(
    request: Request,
    schema: BulkSchema,
    apply: Callable[..., BulkResult],
) -> Response:
    items: Sequence[dict[str, Any]] = schema.validate(request.data)
    return Response(BulkResultSerializer(apply(items=items)).data)


def bulk_post_docs(
    *,
    tags: list[str],
    summary: str,
    item: str,
    schema: BulkSchema,
    example: tuple[str, list[dict[str, Any]]],
    description: str = "",
) -> Any:
    """The POST's documentation: the common bulk contract, the item schema generated from
    the BulkSchema (component `item`), and one request example (the array itself)."""
    name, value = example
    return extend_schema(
        tags=tags,
        summary=summary,
        description=BULK_DESCRIPTION + (" " + description if description else ""),
        request=BulkRequest(item, schema),
        responses={200: BulkResultSerializer},
        examples=[OpenApiExample(name, request_only=True, value=value)],
    )


class IngestionListView(PlatformGenericAPIView):
    # GET lists `list_queryset()` through `filterset_class` and `pagination_class` (from the
    # read replica where one is configured); POST upserts a batch of `bulk_schema` items with
    # `ingest`. (No docstring: see base.py.)
    read_replica = True
    bulk_schema: ClassVar[BulkSchema]
    ingest: ClassVar[Callable[..., BulkResult]]
    list_queryset: ClassVar[Callable[[], QuerySet[Any]]]

    def get_queryset(self) -> QuerySet[Any]:
        return type(self).list_queryset()

    def get(self, request: Request) -> Response:
        return self.list_response()

    def post(self, request: Request) -> Response:
        return run_bulk(request, self.bulk_schema, type(self).ingest)


class IngestionDetailView(PlatformAPIView):
    # GET one row of `list_view`'s queryset by `lookup` (the URL's natural key), shown with
    # the list's serializer; a key that matches nothing is `not_found`.
    list_view: ClassVar[type[IngestionListView]]
    lookup: ClassVar[str]
    not_found: ClassVar[type[NotFound]]

    def get(self, request: Request, **kwargs: str) -> Response:
        found: Model | None = (
            self.list_view.list_queryset().filter(**{self.lookup: kwargs[self.lookup]}).first()
        )
        if found is None:
            raise self.not_found()
        serializer = self.list_view.serializer_class
        assert serializer is not None
        return Response(serializer(found).data)
