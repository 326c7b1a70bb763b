"""The one shape of every bulk ingestion endpoint: validate all, apply all, report counts."""

from collections.abc import Callable, Sequence
from typing import Any

from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from ..bulk import BulkSchema
from ..upsert import BulkResult


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
