"""The cluster benchmark's teardown helpers (bench/netns.py), without namespaces: undo steps
run in reverse, once, past a failing one; leftovers of a killed run are told from a live
run's; SIGTERM reaches the `finally` that tears down."""

import os
import signal

import pytest

from bench import netns


def test_undo_runs_every_step_in_reverse_once_even_past_a_failure():
    done = []
    undo = netns.Undo()
    undo.push("first", lambda: done.append("first"))
    undo.push("broken", lambda: 1 / 0)
    undo.push("last", lambda: done.append("last"))
    errors = undo.run()
    assert done == ["last", "first"]
    assert errors == ["broken: ZeroDivisionError: division by zero"]
    assert undo.run() == errors and done == ["last", "first"]  # nothing runs twice


def test_namespaces_of_a_killed_run_are_stale_and_a_live_runs_are_not():
    listing = "aph41-data (id: 3)\naph41-lan (id: 2)\naph77-web1\nother-ns\n\n"
    names = netns.namespaces_listed(listing)
    assert names == ["aph41-data", "aph41-lan", "aph77-web1", "other-ns"]
    assert netns.stale_namespaces(names, alive=lambda pid: pid == 77) == ["aph41-data",
                                                                          "aph41-lan"]
    assert netns.own_namespaces(names, "aph77") == ["aph77-web1"]
    assert netns.own_namespaces(names, "aph4") == []


def test_a_pid_is_alive_only_while_its_process_is():
    assert netns.pid_alive(os.getpid())
    child = os.fork()
    if child == 0:
        os._exit(0)
    os.waitpid(child, 0)
    assert not netns.pid_alive(child)


def test_sigterm_raises_so_the_teardown_runs_and_the_handler_comes_back():
    before = signal.getsignal(signal.SIGTERM)
    torn_down = []
    with pytest.raises(SystemExit), netns.signals_raise():
        try:
            os.kill(os.getpid(), signal.SIGTERM)  # the handler raises on the next bytecode
            torn_down.append("not reached")
        finally:
            torn_down.append(True)
    assert torn_down == [True]  # "not reached" was not
    assert signal.getsignal(signal.SIGTERM) is before
