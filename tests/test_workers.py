"""Worker processes: results in order, bounded reading, a dead worker raises instead of hanging."""
import os
import signal
from concurrent.futures.process import BrokenProcessPool

import pytest

from corpus.store.workers import WINDOW, ordered_map
from tests.conftest import hang_guard


def _square_with_pid(x: int) -> tuple[int, int]:
    return x * x, os.getpid()


def _die_on_three(x: int) -> int:
    if x == 3:
        os.kill(os.getpid(), signal.SIGKILL)
    return x


def test_results_come_in_input_order_from_several_processes():
    results = list(ordered_map(_square_with_pid, range(200), 2))
    assert [r for r, _ in results] == [x * x for x in range(200)]
    assert os.getpid() not in {pid for _, pid in results}


def test_one_item_or_one_worker_runs_in_this_process():
    assert {pid for _, pid in ordered_map(_square_with_pid, [5], 2)} == {os.getpid()}
    assert {pid for _, pid in ordered_map(_square_with_pid, range(10), 1)} == {os.getpid()}


def test_input_is_read_lazily():
    taken = []

    def items():
        for i in range(10_000):
            taken.append(i)
            yield i

    first = next(ordered_map(_square_with_pid, items(), 2))
    assert first[0] == 0 and len(taken) <= 2 * WINDOW + 1


def test_a_killed_worker_raises_and_does_not_hang():
    with hang_guard(120), pytest.raises(BrokenProcessPool):
        list(ordered_map(_die_on_three, range(50), 2))
