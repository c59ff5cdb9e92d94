"""Hosts made of Linux network namespaces, for the cluster benchmark (bench/bench_hosts.py).

`Network(prefix)` creates a "switch" namespace holding a bridge and one namespace per host,
each joined to the bridge by a veth pair whose ends live only in bench namespaces: no
interface, address or route of the machine's own namespace is touched. Every step that
creates something pushes its undo onto an `Undo` stack; `Undo.run()` undoes in reverse order,
once, carrying on past a step that fails. Tearing a namespace down kills every process still
in it first (`ip netns pids`), so nothing it started survives.

Namespace names carry the bench's process id (`aph<pid>-<host>`): a later run removes what a
run that was killed outright (SIGKILL, power) left behind, and never touches another live
run's namespaces.
"""

import os
import re
import shutil
import signal
import subprocess
import time
from contextlib import contextmanager

PREFIX = "aph"
SUBNET = "10.231.0"
_NAME = re.compile(rf"^{PREFIX}(\d+)-\S+")


class Undo:
    """A stack of undo steps, run in reverse order, once, past failures."""

    def __init__(self):
        self.steps: list[tuple[str, object]] = []
        self.errors: list[str] = []

    def push(self, label: str, step) -> None:
        self.steps.append((label, step))

    def run(self) -> list[str]:
        while self.steps:
            label, step = self.steps.pop()
            try:
                step()
            except Exception as exc:  # keep undoing the rest
                self.errors.append(f"{label}: {type(exc).__name__}: {exc}")
        return self.errors


@contextmanager
def signals_raise():
    """SIGINT and SIGTERM raise (KeyboardInterrupt, SystemExit) so `finally` blocks run;
    the previous handlers come back afterwards."""
    def stop(signum, frame):
        raise SystemExit(128 + signum) if signum == signal.SIGTERM else KeyboardInterrupt

    previous = {s: signal.signal(s, stop) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


def namespaces_listed(listing: str) -> list[str]:
    """Names from `ip netns list` output ("name (id: 3)" or "name" per line)."""
    return [line.split()[0] for line in listing.splitlines() if line.strip()]


def stale_namespaces(names: list[str], alive) -> list[str]:
    """Bench namespaces whose owning process is gone (`alive(pid) -> bool`)."""
    return [n for n in names if (m := _NAME.match(n)) and not alive(int(m.group(1)))]


def own_namespaces(names: list[str], prefix: str) -> list[str]:
    return [n for n in names if n.startswith(prefix + "-")]


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def sh(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(args, check=check, capture_output=True, text=True, timeout=60)


def list_namespaces() -> list[str]:
    return namespaces_listed(sh("ip", "netns", "list").stdout)


def kill_namespace_processes(namespace: str, grace: float = 5.0) -> int:
    """SIGTERM every process in `namespace`, SIGKILL what is left after `grace` seconds;
    returns how many there were."""
    def pids() -> list[int]:
        out = sh("ip", "netns", "pids", namespace, check=False).stdout
        return [int(p) for p in out.split() if p.isdigit() and int(p) != os.getpid()]

    first = pids()
    for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 2.0)):
        for pid in pids():
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + wait
        while pids() and time.monotonic() < deadline:
            time.sleep(0.1)
        if not pids():
            break
    return len(first)


def remove_namespace(namespace: str) -> None:
    kill_namespace_processes(namespace)
    sh("ip", "netns", "del", namespace, check=False)  # its veth ends go with it


class Network:
    """A bridge in `<prefix>-lan` and one namespace per host, HOST.address = 10.231.0.N."""

    def __init__(self, prefix: str, hosts: dict[str, int], undo: Undo):
        self.prefix, self.hosts, self.undo = prefix, hosts, undo
        self.lan = f"{prefix}-lan"

    def ns(self, host: str) -> str:
        return f"{self.prefix}-{host}"

    def address(self, host: str) -> str:
        return f"{SUBNET}.{self.hosts[host]}"

    def exec(self, host: str, *args: str) -> list[str]:
        """The command line that runs `args` on `host`."""
        return ["ip", "netns", "exec", self.ns(host), *args]

    def _namespace(self, name: str) -> None:
        sh("ip", "netns", "add", name)
        self.undo.push(f"remove {name}", lambda: remove_namespace(name))
        sh("ip", "-n", name, "link", "set", "lo", "up")
        # A host that comes back after a partition is noticed within 2 s, not after the
        # kernel's retransmission backoff (up to 2 minutes) - the kernel, not the portal,
        # would otherwise decide the recovery times.
        # With the backoff capped, 15 retransmissions last ~30 s instead of ~15 minutes:
        # 120 keep a connection through a partition of a few minutes, as by default.
        sh("ip", "netns", "exec", name, "sysctl", "-q", "-w", "net.ipv4.tcp_rto_max_ms=2000",
           "net.ipv4.tcp_retries2=120", check=False)

    def build(self) -> None:
        self._namespace(self.lan)
        sh("ip", "-n", self.lan, "link", "add", "br0", "type", "bridge")
        sh("ip", "-n", self.lan, "link", "set", "br0", "up")
        for host, number in self.hosts.items():
            ns = self.ns(host)
            self._namespace(ns)
            port = f"{self.prefix}{number}"
            sh("ip", "link", "add", port, "netns", self.lan, "type", "veth",
               "peer", "name", "eth0", "netns", ns)
            sh("ip", "-n", self.lan, "link", "set", port, "master", "br0", "up")
            sh("ip", "-n", ns, "addr", "add", f"{self.address(host)}/24", "dev", "eth0")
            sh("ip", "-n", ns, "link", "set", "eth0", "up")

    def cut(self, host: str) -> None:
        """Drop every packet in and out of `host` (its processes keep running)."""
        for chain, way in (("INPUT", "-i"), ("OUTPUT", "-o")):
            sh(*self.exec(host, "iptables", "-I", chain, way, "eth0", "-j", "DROP"))

    def heal(self, host: str) -> None:
        for chain, way in (("INPUT", "-i"), ("OUTPUT", "-o")):
            sh(*self.exec(host, "iptables", "-D", chain, way, "eth0", "-j", "DROP"),
               check=False)


def remove_stale() -> list[str]:
    """Remove bench namespaces left by runs whose process is gone."""
    stale = stale_namespaces(list_namespaces(), pid_alive)
    for name in stale:
        remove_namespace(name)
    return stale


def available() -> str | None:
    """Why the cluster bench cannot run here, or None."""
    if os.geteuid() != 0:
        return "needs root (network namespaces)"
    for tool in ("ip", "iptables", "haproxy", "redis-server", "runuser", "pg_dump",
                 "pg_restore"):
        if not shutil.which(tool):
            return f"needs {tool} (apt-get install -y iproute2 iptables haproxy redis-server)"
    return None
