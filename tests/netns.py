"""A second test host on this machine: a network namespace joined to this one by a veth pair only."""

from __future__ import annotations

import os
import random
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass


@dataclass(frozen=True)
class SecondHost:
    """The namespace's name, this side's address on the link, and the namespace's address."""

    namespace: str
    host_address: str
    guest_address: str

    def command(self, *args: str) -> list[str]:
        """A command line that runs inside the namespace."""
        return ["ip", "netns", "exec", self.namespace, *args]


def available() -> bool:
    """Whether namespaces can be made here (root and iproute2)."""
    return os.geteuid() == 0 and shutil.which("ip") is not None


@contextmanager
def second_host() -> Iterator[SecondHost]:
    """Create the namespace and link; remove both afterwards."""
    subnet = random.randint(10, 250)
    name = f"recognize-{os.getpid()}-{subnet}"
    host_link, guest_link = f"rh{subnet}a", f"rh{subnet}b"
    host = SecondHost(name, f"10.231.{subnet}.1", f"10.231.{subnet}.2")
    steps = [
        ["ip", "netns", "add", name],
        ["ip", "link", "add", host_link, "type", "veth", "peer", "name", guest_link],
        ["ip", "link", "set", guest_link, "netns", name],
        ["ip", "addr", "add", f"{host.host_address}/24", "dev", host_link],
        ["ip", "link", "set", host_link, "up"],
        host.command("ip", "addr", "add", f"{host.guest_address}/24", "dev", guest_link),
        host.command("ip", "link", "set", guest_link, "up"),
        host.command("ip", "link", "set", "lo", "up"),
    ]
    try:
        for step in steps:
            subprocess.run(step, check=True, capture_output=True)
        yield host
    finally:
        subprocess.run(["ip", "link", "del", host_link], capture_output=True)
        subprocess.run(["ip", "netns", "del", name], capture_output=True)
