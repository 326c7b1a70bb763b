"""More memory for a whole-population job's sorts and hashes, on PostgreSQL.

The nightly jobs (the health recompute, readiness and renewal scoring) group every customer's
rows in one statement each. With PostgreSQL's default `work_mem` (4 MB) those hash aggregates
spill to disk past about 50,000 customers: on the bench's 100,000-customer set renewal
scoring's usage pass ran in 5 batches with about 50 MB of temporary files per process, and the
job's time per customer grew past its time at 10,000. Inside `job_memory(size)` for more than
JOB_SIZE customers (or all: None) the transaction's `work_mem` is CS_HUB_JOB_WORK_MEM
(`DB_JOB_WORK_MEM`, 64MB by default; empty: the server's own), set with `set_config(...,
true)` and put back when the block ends, so nothing after it in the same transaction (a
request's, say) inherits it; an error rolls it back with the block's savepoint. A statement
may use that much per sort or hash node and per parallel process (times
`hash_mem_multiplier` for a hash): size it against the memory the database server has to
spare for one job at a time. Small sets (a read-out's customer, the API's recompute of one)
run as before, without the extra transaction and statements.
"""

from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.db import connection, transaction

JOB_SIZE = 1_000  # more customers than this: a job over (a large part of) the population


@contextmanager
def job_memory(size: int | None) -> Iterator[None]:
    """`work_mem` = CS_HUB_JOB_WORK_MEM for the block when `size` (customers; None: all) is
    past JOB_SIZE, on PostgreSQL; otherwise nothing."""
    memory = settings.CS_HUB_JOB_WORK_MEM
    if not memory or connection.vendor != "postgresql" or (size is not None and size <= JOB_SIZE):
        yield
        return
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT current_setting('work_mem'), set_config('work_mem', %s, true)", [memory]
            )
            previous = cursor.fetchone()[0]
        yield
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('work_mem', %s, true)", [previous])
