"""The worker's event-loop mend (config/worker_hub.py): a callback queued by a queued callback
runs on the next turn of the loop, not after the poll has waited for the next timer.

Without the mend the second turn below starts only when the poll times out, 10 s later here
(kombu's cap on the wait for a timer); the real-worker proof is the RabbitMQ broker-outage
test in tests/operations/test_workflow_durability.py, which stalled there for minutes."""

import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from types import SimpleNamespace

import pytest
from kombu.asynchronous.hub import Hub
from kombu.asynchronous.timer import Timer

from config.celery import app
from config.worker_hub import WakePollWhenCallbacksWait, wake_poll_when_callbacks_wait

# Far below the 10 s the poll would wait without the mend, far above a wake-up's microseconds.
WELL_BEFORE_THE_TIMER = 5.0


@dataclass
class Loop:
    hub: Hub
    other_end: socket.socket  # of the one polled socket
    ran: list[float] = field(default_factory=list)

    def done(self) -> None:
        """The last callback: note the time and make the polled socket readable, so the turn
        it runs in ends at once instead of polling until the timer."""
        self.ran.append(time.monotonic())
        self.other_end.send(b"x")


@pytest.fixture
def loop() -> Iterator[Loop]:
    hub = Hub(Timer(max_interval=10.0))  # as the worker's (celery.worker.components.Timer)
    hub.call_later(60, lambda: None)  # a timer far off: the poll would wait the longest
    polled, other_end = socket.socketpair()  # readable only once a test's last callback ran
    hub.add_reader(polled, lambda: polled.recv(1))
    yield Loop(hub, other_end)
    hub.close()
    polled.close()
    other_end.close()


def turns_until(hub: Hub, ran: list[float], *, turns: int) -> float:
    """Run the loop's turns until the last callback ran; the seconds that took."""
    loop = hub.create_loop()
    started = time.monotonic()
    for _ in range(turns):
        next(loop)
        if ran:
            return ran[0] - started
    raise AssertionError(f"the callback had not run after {turns} turns")


def test_a_callback_queued_by_a_queued_callback_runs_on_the_next_turn(loop: Loop) -> None:
    hub = loop.hub
    wake_poll_when_callbacks_wait(hub)
    # As the reader's continuation queues a late acknowledgement from inside a task.
    hub.call_soon(lambda: hub.call_soon(loop.done))
    assert turns_until(hub, loop.ran, turns=2) < WELL_BEFORE_THE_TIMER


def test_three_deep_and_with_nothing_queued_the_loop_keeps_turning(loop: Loop) -> None:
    hub = loop.hub
    wake_poll_when_callbacks_wait(hub)
    hub.call_soon(lambda: hub.call_soon(lambda: hub.call_soon(loop.done)))
    assert turns_until(hub, loop.ran, turns=3) < WELL_BEFORE_THE_TIMER
    # Nothing waiting: the tick leaves the poll alone (no stray wake-up to drain).
    waker = hub._waker
    assert waker is not None
    with pytest.raises(BlockingIOError):
        waker.reader.recv(1)


def test_the_worker_installs_the_mend_on_its_hub_and_skips_a_worker_without_one() -> None:
    assert WakePollWhenCallbacksWait in app.steps["worker"]
    step = WakePollWhenCallbacksWait(SimpleNamespace())
    with_hub = SimpleNamespace(hub=Hub())
    step.create(with_hub)
    assert len(with_hub.hub.on_tick) == 1
    step.create(SimpleNamespace(hub=None))  # eventlet/gevent pools run without a hub
    with_hub.hub.close()
