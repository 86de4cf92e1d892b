"""The fault book of the simulated region, and the relay a fault takes off the network."""

from __future__ import annotations

import socket
import socketserver
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from controlplane.errors import Conflict, InvalidInput, NotFound
from controlplane.faults import Fault, FaultBook, parse_duration
from controlplane.relay import TcpRelay

T0 = datetime(2026, 12, 8, 10, 0, tzinfo=UTC)


def test_durations_are_whole_numbers_of_a_unit() -> None:
    assert parse_duration("90s") == timedelta(seconds=90)
    assert parse_duration("4m") == timedelta(minutes=4)
    assert parse_duration(" 2h ") == timedelta(hours=2)
    assert parse_duration("1d") == timedelta(days=1)
    for bad in ("", "4", "0m", "1.5h", "4 minutes", "-2m"):
        with pytest.raises(InvalidInput):
            parse_duration(bad)


def test_a_fault_holds_its_selectors_from_its_start_to_its_end(tmp_path: Path) -> None:
    book = FaultBook(tmp_path / "faults.json")
    lasting = book.inject("provider-down", "hds-a", options={}, now=T0,
                          selectors={"endpoint": ["127.0.0.1:9000"]},
                          lasting=timedelta(minutes=4))
    forever = book.inject("bgp-down", "ce01", options={"neighbour": "10.1.0.6"}, now=T0,
                          selectors={"ssh": ["127.0.0.1:2201"]})
    reader = FaultBook(book.path)  # a simulator's own view of the file
    assert reader.holding("provider-down", "endpoint", "127.0.0.1:9000", T0) == lasting
    assert reader.holding("provider-down", "endpoint", "127.0.0.1:9001", T0) is None
    assert reader.holding("bgp-down", "endpoint", "127.0.0.1:9000", T0) is None
    assert reader.holding("provider-down", "endpoint", "127.0.0.1:9000",
                          T0 + timedelta(minutes=4)) is None  # ended
    assert [f.id for f in reader.faults(T0 + timedelta(hours=1))] == [forever.id]
    assert reader.faults(T0)[1].options == {"neighbour": "10.1.0.6"}

    assert book.clear(forever.id) == [forever]
    assert reader.holding("bgp-down", "ssh", "127.0.0.1:2201", T0) is None  # re-read
    with pytest.raises(NotFound):
        book.clear(forever.id)
    assert book.clear() == [lasting]
    assert book.faults(T0) == []


def test_a_fault_that_damaged_data_is_undone_before_it_is_cleared(tmp_path: Path) -> None:
    book = FaultBook(tmp_path / "faults.json")
    down = book.inject("provider-down", "hds-a", options={},
                       selectors={"endpoint": ["127.0.0.1:9000"]})
    damaged = book.inject("corrupt-pack", "hds-a", options={"tenant": "750000001"},
                          selectors={"pack": ["restic/data/ab/ab12"]})
    kept = book.folder(damaged)
    assert kept.parent.stat().st_mode & 0o077 == 0 and kept.exists()
    undone, broken = [], True

    def undo(fault: Fault) -> None:
        # the provider held down by the other fault is back before the pack is written
        assert [f.kind for f in FaultBook(book.path).faults()] == ["corrupt-pack"]
        if broken:
            raise OSError("provider unreachable")
        undone.append(fault.id)

    with pytest.raises(Conflict, match=r"corrupt-pack on hds-a\): provider unreachable"):
        book.clear(undo={"corrupt-pack": undo})
    assert book.faults() == [damaged] and kept.exists()  # still held: not undone
    broken = False
    assert book.clear(damaged.id, undo={"corrupt-pack": undo}) == [damaged]
    assert undone == [damaged.id] and book.faults() == [] and not kept.exists()
    assert down.id not in {f.id for f in book.faults()}


class _Echo(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        while data := self.request.recv(1024):
            self.request.sendall(data)


@pytest.fixture(name="echo")
def echo_fixture() -> Iterator[int]:
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Echo)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def _talk(port: int) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as client:
        client.sendall(b"ping")
        return client.recv(16)


def _refused(port: int, within: float = 5.0) -> bool:
    deadline = datetime.now(UTC) + timedelta(seconds=within)
    while datetime.now(UTC) < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
        except ConnectionRefusedError:
            return True
        threading.Event().wait(0.05)
    return False


def test_the_relay_refuses_connections_while_a_fault_holds_it(tmp_path: Path,
                                                              echo: int) -> None:
    book = FaultBook(tmp_path / "faults.json")
    with TcpRelay("127.0.0.1", echo, faults=book,
                  behaviours={"provider-down": "refuse"}) as relay:
        assert _talk(relay.port) == b"ping"
        held = book.inject("provider-down", "hds-a", options={},
                           selectors={"endpoint": [relay.endpoint]})
        assert _refused(relay.port)
        book.clear(held.id)
        deadline = datetime.now(UTC) + timedelta(seconds=5)
        while True:
            try:
                assert _talk(relay.port) == b"ping"
                break
            except ConnectionRefusedError:
                assert datetime.now(UTC) < deadline, "the relay did not listen again"
                threading.Event().wait(0.05)
