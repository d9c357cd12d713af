"""Pacing a batch on one event loop: keep the endpoint busy while answers wait for the CPU.

Each article costs the loop some CPU before its request (prompt, instructor, openai building
the body) and more after its answer (parsing, validation, grounding, assembly). In plain FIFO
order a burst of answers is checked back to back: the next requests, and the reading of other
answers, wait behind all of it, and the requests in flight fall well below the concurrency
asked for. So within a batch:

- concurrency counts requests in flight: an article holds a request slot only while its
  request is out (and takes one again for a re-ask or a transport retry);
- answers are checked one article at a time, in arrival order, each turn starting only when
  no article is preparing its first request, and after a short pause: one HTTP exchange takes
  the loop several hops (read, parse, wake the task), and checks run back to back would put a
  check of a few milliseconds in front of every hop.
"""

from __future__ import annotations

import asyncio
import gc
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager, contextmanager
from contextvars import ContextVar

from briefing.models import Usage

CHECK_PAUSE = 0.0003  # seconds; measured best among 0, 0.3 ms, 1 ms and 4 or 10 bare yields


class Pacer:
    """Admission, request slots, the preparing count and the checking turn for one batch."""

    def __init__(self, requests: int) -> None:
        self.slots = asyncio.Semaphore(requests)
        # Articles admitted at once: the ones holding or awaiting a slot, those prepared ahead
        # and those waiting to be checked. It grows from `requests` to twice that as first
        # requests go out, so that at the start nobody prepares ahead of the first wave.
        self.admission = asyncio.Semaphore(requests)
        self._ahead = requests
        self.turn = asyncio.Lock()
        self.preparing = 0
        self._prepared = asyncio.Event()
        self._prepared.set()

    def begin_preparing(self) -> None:
        self.preparing += 1
        self._prepared.clear()

    def end_preparing(self) -> None:
        self.preparing -= 1
        if self._ahead:
            self._ahead -= 1
            self.admission.release()
        if not self.preparing:
            self._prepared.set()

    async def all_prepared(self) -> None:
        while self.preparing:
            await self._prepared.wait()


class Ticket:
    """One article's place in a batch."""

    def __init__(
        self,
        pacer: Pacer,
        *,
        charge: Callable[[Usage, str], None],
        check: Callable[[], None],
    ) -> None:
        self.pacer = pacer
        self.charge = charge
        self.check = check
        self.preparing = False
        self.checking = False
        self.requests = 0

    def start(self) -> None:
        """The article starts preparing its first request: answers wait for that."""
        self.preparing = True
        self.pacer.begin_preparing()

    @asynccontextmanager
    async def request(self) -> AsyncIterator[None]:
        """Around one HTTP request: hold a slot while it is in flight, then wait for the
        checking turn. `check` may refuse the article's first request (a budget reached
        while it waited for a slot)."""
        self.done()
        async with self.pacer.slots:
            if not self.requests:
                self.check()
            self.requests += 1
            yield
        await self.pacer.turn.acquire()
        self.checking = True  # from here `done` releases the turn, even if cancelled
        await self.pacer.all_prepared()
        await asyncio.sleep(CHECK_PAUSE)

    def done(self) -> None:
        """The article stopped using the loop's CPU for now: prepared, or checked."""
        if self.preparing:
            self.preparing = False
            self.pacer.end_preparing()
        if self.checking:
            self.checking = False
            self.pacer.turn.release()


current_ticket: ContextVar[Ticket | None] = ContextVar("briefing_ticket", default=None)


@asynccontextmanager
async def unpaced() -> AsyncIterator[None]:
    yield


def request_slot() -> AbstractAsyncContextManager[None]:
    """The pacing context for one request of the current article (none outside a batch)."""
    ticket = current_ticket.get()
    return ticket.request() if ticket is not None else unpaced()


def checked() -> None:
    """The current article's answer is checked: the next may take its turn while this one
    writes its cache entry (a slow disk must not stall every check)."""
    ticket = current_ticket.get()
    if ticket is not None:
        ticket.done()


def charge(usage: Usage, model: str) -> None:
    """Tell the current batch what a response cost as soon as it arrives, so that its budget
    is up to date before the next article takes the request slot."""
    ticket = current_ticket.get()
    if ticket is not None:
        ticket.charge(usage, model)


@contextmanager
def collector_spared() -> Iterator[None]:
    """Freeze the objects that exist before a batch, so that the collector's full passes
    during it scan only the batch's own objects: in a notebook's large heap one full pass can
    stall the loop, and every request in flight, for a hundred milliseconds or more. Left
    alone when the process already freezes objects itself (a pre-fork server does). The
    freeze lasts until the batch ends or its iterator is closed: close a half-read one."""
    if gc.get_freeze_count() or not gc.isenabled():
        yield
        return
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()
