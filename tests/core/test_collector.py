"""infra.collector: what ``leave_out`` leaves out of the collector's walks, and that reading a state anew puts it
back, so a garbage cycle frozen in mid-request does not stay for the process's life."""

from __future__ import annotations

import gc
import weakref

import pytest

from infra.collector import deferred, leave_out


class _Node:
    def __init__(self) -> None:
        self.me = self  # a reference cycle: only the cyclic collector frees it


@pytest.fixture(autouse=True)
def _thawed() -> object:
    yield
    gc.unfreeze()


def _cycle() -> weakref.ref[_Node]:
    return weakref.ref(_Node())


def _alive_after_cycle_left_out() -> weakref.ref[_Node]:
    node = _Node()
    ref = weakref.ref(node)
    leave_out()  # the node is alive (in flight) at this instant, so it is left out
    del node  # now it is garbage, held only by its own cycle
    return ref


def test_a_cycle_left_out_survives_an_ordinary_collection() -> None:
    ref = _alive_after_cycle_left_out()
    gc.collect()
    assert ref() is not None


def test_leave_out_again_frees_cycles_left_out_before() -> None:
    ref = _alive_after_cycle_left_out()
    leave_out(again=True)
    assert ref() is None


def test_leave_out_collects_current_garbage_first() -> None:
    ref = _cycle()
    leave_out()
    assert ref() is None
    assert gc.get_freeze_count() > 0


def test_deferred_restores_the_collector_also_on_error() -> None:
    assert gc.isenabled()
    with pytest.raises(RuntimeError), deferred():
        assert not gc.isenabled()
        raise RuntimeError("boom")
    assert gc.isenabled()
