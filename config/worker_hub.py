"""A lost wake-up in the worker's event loop (kombu's Hub), and the bootstep that mends it.

The loop turns like this: run the callbacks queued with `call_soon`, fire due timers, run the
tick callbacks, then poll the sockets until one is readable or the next timer is due (up to
10 s, the worker timer's `max_interval`). A `call_soon` from another thread wakes the poll;
one from the loop's own thread does not, on the assumption that the loop looks at its queue
before polling again. It does not when the callback was queued by one of the queued callbacks:
that one waits for the poll to time out.

With late acks and one message prefetched (our settings), that is a stall. The reader's
continuation is a queued callback; when it drains a task message that has just arrived, the
task runs and its acknowledgement is queued from inside it. The broker sends the next message
only after that acknowledgement, so nothing wakes the poll and the worker idles until a timer
fires. Measured with strace on RabbitMQ after a broker restart: acknowledgements sent 7-10 s
after their task finished, about one message per 10 s, and a durability test that needed some
40 messages took 20 s to over 600 s. Upstream: celery issue 7718 and kombu pull request 1587
(still open), for kombu 5.7.0, which the lock file pins.

The mend: a tick callback, which the loop runs just before it polls, wakes the poll through
the hub's own waker when callbacks are waiting. It costs two system calls on the turns that
would have stalled and nothing on the others.
"""

from typing import Any

from celery import bootsteps
from kombu.asynchronous.hub import Hub


def wake_poll_when_callbacks_wait(hub: Hub) -> None:
    """Make `hub` poll without waiting while callbacks are queued (module docstring)."""
    # Any: the type stubs know neither the hub's private queue and waker nor that its
    # `on_tick` is a set.
    loop: Any = hub

    def wake_if_callbacks_wait() -> None:
        # kombu's private queue and waker: tests/test_worker_hub.py fails if they
        # change shape in another kombu release.
        waker = loop._waker
        if loop._ready and waker is not None:
            waker.wake()

    loop.on_tick.add(wake_if_callbacks_wait)


class WakePollWhenCallbacksWait(bootsteps.Step):
    """Worker bootstep: installs the mend on the worker's hub once the hub exists (a worker
    without an event loop, such as one on the eventlet pool, has none and needs none)."""

    requires = ("celery.worker.components:Hub",)

    def create(self, parent: Any) -> None:
        hub = getattr(parent, "hub", None)
        if hub is not None:
            wake_poll_when_callbacks_wait(hub)
