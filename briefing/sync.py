"""The synchronous face of the async pipeline: one event loop, in a daemon thread, for the
whole process.

One loop, not one per call, so an `openai.AsyncOpenAI` client reused across synchronous calls
keeps connections bound to a loop that is still open. A daemon thread, so a caller that leaves
without closing what it started (an exception in a loop body) never keeps the process from
exiting; at exit whatever still runs is cancelled. Ctrl-C in the caller's thread cancels the
work on the loop and waits for it to wind down before the KeyboardInterrupt goes on.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import threading
from collections.abc import AsyncGenerator, Coroutine, Generator
from typing import Any, TypeVar

T = TypeVar("T")

STOP_TIMEOUT = 30.0  # seconds a cancelled run may take to close its log, client and tasks

_loop: asyncio.AbstractEventLoop | None = None
_lock = threading.Lock()


def _shared_loop() -> asyncio.AbstractEventLoop:
    global _loop
    with _lock:
        if _loop is None or _loop.is_closed():
            loop = asyncio.new_event_loop()
            thread = threading.Thread(
                target=loop.run_forever, name="briefing-event-loop", daemon=True
            )
            thread.start()
            _loop = loop
        return _loop


class _Job:
    """One coroutine run on the shared loop, which the caller's thread can cancel and then
    wait for until it has wound down (its `finally` blocks done)."""

    def __init__(self, coroutine: Coroutine[Any, Any, T], loop: asyncio.AbstractEventLoop) -> None:
        self.finished = threading.Event()
        self._loop = loop
        self._task: asyncio.Task[Any] | None = None
        self._cancelled = False
        self.future = asyncio.run_coroutine_threadsafe(self._run(coroutine), loop)

    async def _run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        try:
            self._task = asyncio.current_task()
            if self._cancelled:
                coroutine.close()
                raise asyncio.CancelledError
            return await coroutine
        finally:
            self.finished.set()

    def result(self) -> Any:
        try:
            return self.future.result()
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        def cancel() -> None:
            self._cancelled = True
            if self._task is not None:
                self._task.cancel()

        self._loop.call_soon_threadsafe(cancel)
        with contextlib.suppress(BaseException):
            self.finished.wait(STOP_TIMEOUT)


def run_sync(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run `coroutine` to its end from synchronous code (a notebook's too)."""
    result: T = _Job(coroutine, _shared_loop()).result()
    return result


def iterate_sync(batch: AsyncGenerator[T, None]) -> Generator[T, None, None]:
    """The items of an async generator, each pulled only when the caller asks for it, so a
    caller that stops asking stops the batch's back-pressure too. Closing the iterator (a
    `break`, garbage collection, Ctrl-C) closes the async generator, which cancels its work."""
    loop = _shared_loop()
    try:
        while True:
            done, item = _Job(_next(batch), loop).result()
            if done:
                return
            yield item
    finally:
        _Job(batch.aclose(), loop).finished.wait(STOP_TIMEOUT)


async def _next(batch: AsyncGenerator[T, None]) -> tuple[bool, Any]:
    try:
        return False, await anext(batch)
    except StopAsyncIteration:
        return True, None


@atexit.register
def _cancel_at_exit() -> None:
    loop = _loop
    if loop is None or loop.is_closed() or not loop.is_running():
        return

    async def cancel_all() -> None:
        tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in tasks:
            task.cancel()
        await asyncio.wait(tasks, timeout=STOP_TIMEOUT) if tasks else None

    with contextlib.suppress(BaseException):
        asyncio.run_coroutine_threadsafe(cancel_all(), loop).result(timeout=STOP_TIMEOUT)
