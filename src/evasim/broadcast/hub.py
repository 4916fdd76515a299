"""Fan-out of one published value to many viewers through bounded latest-value slots.

Each viewer owns a :class:`LatestSlot` holding at most one pending value: publishing
overwrites it, so a slow viewer skips values and never holds up the others or the publisher.
All methods run on the event loop (the render thread hands values over with
``loop.call_soon_threadsafe``).
"""

from __future__ import annotations

import asyncio


class LatestSlot:
    __slots__ = ("_event", "_value", "closed")

    def __init__(self) -> None:
        self._value: object = None
        self._event = asyncio.Event()
        self.closed = False

    def put(self, value: object) -> None:
        self._value = value
        self._event.set()

    def close(self) -> None:
        self.closed = True
        self._event.set()

    async def get(self) -> object:
        """The newest value not yet taken (waits for one); ``None`` once closed."""
        await self._event.wait()
        self._event.clear()
        if self.closed:
            return None
        value, self._value = self._value, None
        return value


class Hub:
    """One channel (telemetry, or one crew member's video). New viewers get the latest value
    at once, then every value published after it (or the newest, when they fall behind)."""

    def __init__(self) -> None:
        self.slots: set[LatestSlot] = set()
        self.latest: object = None
        self.published = 0

    def __len__(self) -> int:
        return len(self.slots)

    def subscribe(self) -> LatestSlot:
        slot = LatestSlot()
        if self.latest is not None:
            slot.put(self.latest)
        self.slots.add(slot)
        return slot

    def unsubscribe(self, slot: LatestSlot) -> None:
        self.slots.discard(slot)
        slot.close()

    def publish(self, value: object) -> None:
        self.latest = value
        self.published += 1
        for slot in self.slots:
            slot.put(value)

    def close(self) -> None:
        for slot in list(self.slots):
            slot.close()
        self.slots.clear()
