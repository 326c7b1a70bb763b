"""Usage in monthly partitions on PostgreSQL (README "Usage partitions"); SQLite: nothing.

product_featureusage becomes a table PARTITIONED BY RANGE (date): one partition per month
(product_featureusage_p2026_11 holds 2026-11-01..2026-11-30) and a DEFAULT partition that takes
any day no month covers, so an ingested day can never fail for want of a partition. The daily
task product.maintain_usage_partitions creates the months ahead, moves rows out of DEFAULT into
the months it creates and drops the months past retention (product/services/partitions.py).

A partitioned table's primary key and unique constraints must contain the partition key, so
the primary key becomes (id, date). Django keeps `id` as the model's pk: every id still comes
from the table's identity sequence (ingestion never writes one), so ids stay unique even though
the database now checks only (id, date). The unique (customer, feature, date) that ingestion's
ON CONFLICT names already contains date and is unchanged, as are the two indexes: created on
the partitioned table, PostgreSQL builds them on every partition, present and future.

The move rebuilds the table in this migration's transaction (an ACCESS EXCLUSIVE lock for as
long as the copy takes): rename the old table, create the partitioned one beside it, INSERT ...
SELECT, carry the sequence's position over, re-create the foreign keys and indexes, drop the
old table. Fine for the sizes a fresh install or a demo has; for a large production table see
README "Usage partitions: migrating a large table". Reversible: backwards does the same into a
plain table. Django's model state does not change (the model never knew the old layout either),
so `makemigrations --check` stays clean.
"""

from datetime import date

from django.conf import settings
from django.db import migrations
from django.utils import timezone

TABLE = "product_featureusage"
COLUMNS = "id, customer_id, feature_id, date, events, active_users"


def _month_start(day: date, shift: int = 0) -> date:
    index = day.year * 12 + day.month - 1 + shift
    return date(index // 12, index % 12 + 1, 1)


def _fetch(cursor, sql, params=()):
    cursor.execute(sql, params)
    return cursor.fetchall()


def _rebuild(apps, schema_editor, *, partitioned: bool) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    model = apps.get_model("product", "FeatureUsage")
    aside = f"{TABLE}_{'unpartitioned' if partitioned else 'partitioned'}"
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f"LOCK TABLE {TABLE} IN ACCESS EXCLUSIVE MODE")
        # Months holding rows (an index lookup each on the date index, not a scan).
        first, last = _fetch(cursor, f"SELECT min(date), max(date) FROM {TABLE}")[0]
        sequence = _fetch(cursor, "SELECT pg_get_serial_sequence(%s, 'id')", [TABLE])[0][0]
        foreign_keys = _fetch(
            cursor,
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = %s::regclass AND contype = 'f' ORDER BY conname",
            [TABLE],
        )
        # Set the old table aside under names that free its own (index names are schema-wide;
        # the new indexes keep the names Django's state knows).
        for index in model._meta.indexes:
            cursor.execute(f'DROP INDEX "{index.name}"')
        for constraint in model._meta.constraints:
            cursor.execute(f'ALTER TABLE {TABLE} DROP CONSTRAINT "{constraint.name}"')
        cursor.execute(f"ALTER TABLE {TABLE} RENAME TO {aside}")
        cursor.execute(f"ALTER INDEX {TABLE}_pkey RENAME TO {aside}_pkey")
        cursor.execute(f"ALTER SEQUENCE {sequence} RENAME TO {aside}_id_seq")
        if partitioned:
            # (id, date): see the module docstring.
            cursor.execute(
                f"CREATE TABLE {TABLE} (LIKE {aside} INCLUDING DEFAULTS INCLUDING CONSTRAINTS "
                f"INCLUDING IDENTITY, PRIMARY KEY (id, date)) PARTITION BY RANGE (date)"
            )
            cursor.execute(f"CREATE TABLE {TABLE}_default PARTITION OF {TABLE} DEFAULT")
            for start in _months(first, last):
                end = _month_start(start, 1)
                cursor.execute(
                    f"CREATE TABLE {TABLE}_p{start:%Y_%m} PARTITION OF {TABLE} "
                    f"FOR VALUES FROM ('{start.isoformat()}') TO ('{end.isoformat()}')"
                )
        else:
            cursor.execute(
                f"CREATE TABLE {TABLE} (LIKE {aside} INCLUDING DEFAULTS INCLUDING CONSTRAINTS "
                f"INCLUDING IDENTITY, PRIMARY KEY (id))"
            )
        cursor.execute(f"INSERT INTO {TABLE} ({COLUMNS}) SELECT {COLUMNS} FROM {aside}")  # noqa: S608
        # The ids continue where the old sequence stood (not merely after the largest id).
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence(%s, 'id'), last_value, is_called) "  # noqa: S608
            f"FROM {aside}_id_seq",
            [TABLE],
        )
        for name, definition in foreign_keys:
            cursor.execute(f'ALTER TABLE {TABLE} ADD CONSTRAINT "{name}" {definition}')
        cursor.execute(f"DROP TABLE {aside}")  # its partitions and sequence with it
    # Built after the copy (faster than maintaining them row by row), as Django would name and
    # define them.
    for constraint in model._meta.constraints:
        schema_editor.add_constraint(model, constraint)
    for index in model._meta.indexes:
        schema_editor.add_index(model, index)


def _months(first: date | None, last: date | None) -> list[date]:
    """The month starts from the oldest row's month (but not before retention: older rows wait
    in DEFAULT for the maintenance to delete them) to the months ahead."""
    today = timezone.localdate()
    ahead = getattr(settings, "USAGE_PARTITION_MONTHS_AHEAD", 3)
    kept = _month_start(today, -getattr(settings, "USAGE_RETENTION_MONTHS", 36))
    start = max(_month_start(first), kept) if first else _month_start(today)
    start = min(start, _month_start(today))
    stop = max(_month_start(today, ahead), _month_start(last) if last else start)
    months = []
    while start <= stop:
        months.append(start)
        start = _month_start(start, 1)
    return months


def partition(apps, schema_editor) -> None:
    _rebuild(apps, schema_editor, partitioned=True)


def unpartition(apps, schema_editor) -> None:
    _rebuild(apps, schema_editor, partitioned=False)


class Migration(migrations.Migration):
    dependencies = [
        ("product", "0005_usage_changes_key_feature_adopters"),
    ]

    operations = [migrations.RunPython(partition, unpartition)]
