"""Celery settings that depend on the kind of broker (README "Celery queues and brokers").

Both brokers get the same task semantics from the settings (late acks, re-queue on worker loss,
one message prefetched per process, durable queues, persistent messages); what differs is how
an unacknowledged message comes back and how a publish is known to have landed:

- Redis holds a delivered, unacknowledged message for `visibility_timeout` and then hands it
  to another worker, so the timeout must exceed the longest task time limit or a slow task
  would run twice at once.
- RabbitMQ returns an unacknowledged message the moment its consumer's connection closes (a
  worker killed, a network cut), so no timeout applies; publisher confirms make a publish
  return only once the broker holds the message (a relayed event is marked done only then).
"""

from dataclasses import dataclass, field
from typing import Any

# The longest hard time limit of any task (finance.fit_renewal_model, customers.rescore_everyone);
# tests/test_task_queues.py checks it against every registered task.
LONGEST_TASK_SECONDS = 3600

RABBITMQ_SCHEMES = frozenset({"amqp", "amqps", "pyamqp"})

# A publish that finds the broker down fails after one immediate reconnect instead of retrying
# for broker_connection_timeout: measured 6.0 s per publish on either broker before, 0.1 s after.
# Every API write that records an event nudges the relay on commit, so a broker outage held each
# such request (and its gunicorn thread) 6 s per event; the outbox row and beat's sweeps already
# hold the work. Celery's own publish retry policy and the worker's reconnect loop are separate.
FAIL_FAST = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}


def is_rabbitmq(url: str) -> bool:
    return url.partition("://")[0].lower() in RABBITMQ_SCHEMES


@dataclass(frozen=True)
class BrokerOptions:
    transport_options: dict[str, Any] = field(default_factory=dict)
    # Stop a late-acked task whose broker connection was lost: RabbitMQ has already put its
    # message back for another worker, and the task could no longer acknowledge it anyway.
    cancel_on_connection_loss: bool = False


def broker_options(url: str) -> BrokerOptions:
    """The broker-specific Celery options for the broker at `url` (empty: eager, none)."""
    if is_rabbitmq(url):
        # RabbitMQ's own `consumer_timeout` (30 min by default) closes the channel of a consumer
        # that holds a message unacknowledged for longer, which a late-acked hour-long task
        # does: the broker must raise it above LONGEST_TASK_SECONDS (README; the test node's
        # configuration does).
        return BrokerOptions({**FAIL_FAST, "confirm_publish": True}, cancel_on_connection_loss=True)
    if url:
        return BrokerOptions({**FAIL_FAST, "visibility_timeout": 2 * LONGEST_TASK_SECONDS})
    return BrokerOptions()
