"""Python's cyclic garbage collector around reads that build many objects and keep some of them.

The collector runs when objects are allocated; a collection of the oldest generation walks every object that
lives long, so a process that keeps large read-only facts between reads (``projections.kpi.funding_read``) pays
for walking them again and again, in single pauses of up to a few hundred milliseconds, in whichever read
happens to allocate at that moment. Two remedies, both for objects that need no cyclic collection:

- ``deferred``: no collection inside a synchronous block (one that does not ``await``, so no other request's
  work runs in it) — what the block builds and drops is freed by reference counting as always; what it keeps
  is collected later like any other object;
- ``leave_out``: after a full collection, the objects alive are left out of every later collection
  (``gc.freeze``), e.g. facts just kept for many reads. They are still freed when no longer referenced; only a
  reference cycle through one of them would stay in memory. The collection walks only what was not left out
  before, so after the first call it is short.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def deferred() -> Iterator[None]:
    """No cyclic garbage collection inside the block (it must not ``await``); the collector as it was after."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def leave_out(*, again: bool = False) -> None:
    """One full collection (the garbage cycles there are now are freed, not kept), then every object alive is left
    out of later collections.

    ``again``: first put back what earlier calls left out, so this collection walks it too. ``gc.freeze`` takes every
    object alive at that instant, including what another request had in flight; a reference cycle among those that
    became garbage since is freed now instead of staying for the process's life. Called this way whenever a
    state's facts are read anew, it bounds such leftovers to what one state's reads left out."""
    if again:
        gc.unfreeze()
    gc.collect()
    gc.freeze()
