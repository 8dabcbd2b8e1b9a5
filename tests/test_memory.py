"""Bulk builds pause the collector, and freeze nothing: a cycle dies when it is dropped."""

from __future__ import annotations

import gc
import sys
import threading
import weakref

from packstation.memory import SWITCH_WHILE_BUILDING, building_many


class Node:
    def __init__(self) -> None:
        self.me = self  # a cycle: only the cyclic collector can free it


def test_a_cycle_alive_during_a_bulk_build_is_collected_after_it_is_dropped() -> None:
    alive = Node()  # a closed dialog, a finished task: alive while a sync builds jobs
    gone = weakref.ref(alive)
    with building_many(10_000):
        assert not gc.isenabled()  # no collector passes over a growing heap
        built = [{"id": n, "vouchers": [{"id": n}]} for n in range(10_000)]
    assert gc.isenabled()
    del alive, built
    gc.collect()
    assert gone() is None  # frozen for good, it would survive this


def test_overlapping_builds_resume_the_collector_and_the_switch_interval_once() -> None:
    default = sys.getswitchinterval()
    inside = threading.Event()
    release = threading.Event()

    def other_build() -> None:
        with building_many(1_000):
            inside.set()
            release.wait(10)

    worker = threading.Thread(target=other_build)
    worker.start()
    assert inside.wait(10)
    with building_many(1_000):
        assert sys.getswitchinterval() == SWITCH_WHILE_BUILDING
    assert not gc.isenabled()  # the other build still runs
    release.set()
    worker.join(10)
    assert gc.isenabled() and sys.getswitchinterval() == default
