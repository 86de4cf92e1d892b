"""Poller bench: Socle's SNMP poller against Prometheus snmp_exporter, polling the same
snmpsim agents for the same OIDs in the same run; and the SLA engine on one month at
one-minute resolution for 10,000 circuits.

``python bench/poller.py [--devices 16] [--rounds 10]`` (about 3 minutes on 2 cores).

Agents: ``--devices`` snmpsim agents × 8 interfaces on loopback (SNMPv2c), spread over
as many snmpsim processes as cores. Both pollers read, per device, sysUpTime and seven
IF-MIB columns (ifOperStatus, ifHCIn/OutOctets, ifIn/OutErrors, ifIn/OutDiscards).

- Socle: :class:`network.drivers.snmp.SnmpPoller` (one GETBULK per device, asyncio, at
  most 16 requests in flight), ``--rounds`` rounds over every device, over SNMPv2c (the
  ratio) and again over SNMPv3 authPriv SHA/AES (``socle_v3_cpu_s_per_1k``, what
  production polls with; the exporter is not run over SNMPv3). Its CPU is this
  process's CPU time while polling (the agents run in other processes).
- Anchor: ``prometheus-snmp-exporter`` (Debian) with a hand-written module for the
  same OIDs (walks, as it does), scraped over HTTP (``/snmp?module=ce&target=...``),
  16 scrapes in flight, the same number of device-polls. Its CPU is the exporter
  process's (the HTTP client's own CPU is not counted: it is the scraping Prometheus).

Each side is checked: every poll returned the 8 interfaces (Socle) / 8 ifHCInOctets
series (exporter), else the bench fails. The agents' CPU per side is printed too (the
router's cost: one GETBULK asks less of it than per-column walks).

The last line is ``bench poller: ... ratio=X``, X = Socle's CPU per device-poll /
snmp_exporter's (below 1: Socle is cheaper).

Figures (2 shared cores, 16 devices, 10 rounds, CPU s per 1,000 device-polls): with
pysnmp's engine (pyasn1 decoding ~70 % of it) Socle spent 16.5 (SNMPv2c) and 15.4
(SNMPv3) against the exporter's 3.6-4.6, ratio 4.0-4.6; with its own BER codec and
USM layout (network.drivers.snmp_ber, snmp_usm) 1.4-1.9 (SNMPv2c) and 1.8-2.3 (SNMPv3),
ratio 0.45-0.6 (the exporter's CPU varies with the machine's load more than ours).
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

import numpy as np  # noqa: E402

from bench import sla as sla_bench  # noqa: E402
from bench._support import (  # noqa: E402
    LOOPBACK,
    BenchError,
    Call,
    free_port,
    live_server,
    run_load,
    tree_cpu_seconds,
)
from network.drivers.snmp import (  # noqa: E402
    DeviceSample,
    SnmpPoller,
    SnmpTarget,
    V2cCredentials,
    V3Credentials,
)
from network.sim.snmp_agents import SimulatedAgents  # noqa: E402
from network.sla import engine  # noqa: E402
from network.sla.evaluation import compute_batch  # noqa: E402
from network.sla.period import month_period  # noqa: E402

COMMUNITY = "benchpublic"
CONCURRENCY = 16
INTERFACES = 8
# sysUpTime and the seven IF-MIB columns Socle's poller reads (network.drivers.snmp_response)
COLUMNS = {
    "ifOperStatus": ("1.3.6.1.2.1.2.2.1.8", "gauge"),
    "ifHCInOctets": ("1.3.6.1.2.1.31.1.1.1.6", "counter"),
    "ifHCOutOctets": ("1.3.6.1.2.1.31.1.1.1.10", "counter"),
    "ifInErrors": ("1.3.6.1.2.1.2.2.1.14", "counter"),
    "ifOutErrors": ("1.3.6.1.2.1.2.2.1.20", "counter"),
    "ifInDiscards": ("1.3.6.1.2.1.2.2.1.13", "counter"),
    "ifOutDiscards": ("1.3.6.1.2.1.2.2.1.19", "counter"),
}


def exporter_config() -> str:
    """snmp_exporter 0.21's snmp.yml: module ``ce`` (top-level key, auth inside)."""
    lines = ["ce:", "  version: 2", "  auth:", f"    community: {COMMUNITY}",
             "  get:", "    - 1.3.6.1.2.1.1.3.0", "  walk:"]
    lines += [f"    - {oid}" for oid, _ in COLUMNS.values()]
    lines += ["  metrics:", "    - name: sysUpTime", "      oid: 1.3.6.1.2.1.1.3",
              "      type: gauge"]
    for name, (oid, kind) in COLUMNS.items():
        lines += [f"    - name: {name}", f"      oid: {oid}", f"      type: {kind}",
                  "      indexes:", "        - labelname: ifIndex", "          type: gauge"]
    return "\n".join(lines) + "\n"


def agents_cpu(agents: SimulatedAgents) -> float:
    """CPU seconds the snmpsim processes used so far."""
    return sum(tree_cpu_seconds(child.pid) for child in agents._children)


def bench_socle(agents: SimulatedAgents, rounds: int,
                v3: bool = False) -> tuple[int, float, float, float]:
    """(device-polls, wall s, poller CPU s, agents CPU s) of Socle's poller, over SNMPv2c
    or (``v3``) SNMPv3 authPriv (SHA, AES-128)."""
    targets = [SnmpTarget(a.name, a.host, V3Credentials(a.v3_user, a.v3_auth_key, a.v3_priv_key)
                          if v3 else V2cCredentials(COMMUNITY), port=a.port, timeout=2.0,
                          retries=1) for a in agents.agents]

    async def main() -> tuple[int, float, float, float]:
        async with SnmpPoller(concurrency=CONCURRENCY) as poller:
            await poller.poll_many(targets)  # warm up: addresses, engine IDs, agents' answers
            agent_before, cpu_before = agents_cpu(agents), time.process_time()
            started = time.perf_counter()
            polls = 0
            for _ in range(rounds):
                for result in await poller.poll_many(targets):
                    if not (isinstance(result, DeviceSample)
                            and len(result.interfaces) == INTERFACES):
                        raise BenchError(f"Socle's poll of {result.device} failed: {result}")
                    polls += 1
            wall = time.perf_counter() - started
            return polls, wall, time.process_time() - cpu_before, agents_cpu(agents) - agent_before

    return asyncio.run(main())


def bench_exporter(agents: SimulatedAgents, rounds: int,
                   workdir: Path) -> tuple[int, float, float, float]:
    """(device-polls, wall s, exporter CPU s, agents CPU s) of snmp_exporter."""
    binary = shutil.which("prometheus-snmp-exporter")
    if binary is None:
        raise BenchError("prometheus-snmp-exporter not found (apt-get install "
                         "prometheus-snmp-exporter; scripts/system-deps.sh)")
    config = workdir / "snmp.yml"
    config.write_text(exporter_config())
    port = free_port()
    argv = [binary, f"--config.file={config}", f"--web.listen-address={LOOPBACK}:{port}"]
    calls = [Call("scrape", "GET", f"/snmp?module=ce&target={a.host}:{a.port}")
             for a in agents.agents]
    with live_server("snmp_exporter", argv, port=port, log_path=workdir / "exporter.log",
                     ready_path="/") as server:
        warm = run_load(port, calls, concurrency=CONCURRENCY)
        if warm.errors:
            raise BenchError(f"snmp_exporter: {warm.errors[0]}")
        check = _scrape(port, calls[0].path)
        series = sum(1 for line in check.splitlines() if line.startswith("ifHCInOctets{"))
        if series != INTERFACES:
            raise BenchError(f"snmp_exporter returned {series} ifHCInOctets series, not "
                             f"{INTERFACES}:\n{check[:500]}")
        agent_before, cpu_before = agents_cpu(agents), server.cpu_seconds()
        load = run_load(port, calls * rounds, concurrency=CONCURRENCY)
        cpu = server.cpu_seconds() - cpu_before
        agent_cpu = agents_cpu(agents) - agent_before
    if load.errors:
        raise BenchError(f"snmp_exporter: {len(load.errors)} failed scrapes: {load.errors[0]}")
    return load.requests, load.wall_seconds, cpu, agent_cpu


def _scrape(port: int, path: str) -> str:
    import http.client

    connection = http.client.HTTPConnection(LOOPBACK, port, timeout=30)
    try:
        connection.request("GET", path)
        return connection.getresponse().read().decode()
    finally:
        connection.close()


def bench_sla_engine() -> tuple[int, int, float]:
    """(circuits, minutes, engine seconds) for one month of 10,000 circuits (bench/sla.py's
    generated day rows; only the engine is timed)."""
    period = month_period(sla_bench.MONTH)
    planned = sla_bench.windows(period, np.random.default_rng(sla_bench.SEED + 1))
    engine_s = 0.0
    parts = []
    for batch, rows in sla_bench.batches(period):
        started = time.perf_counter()
        parts.append(compute_batch(rows, batch, period, planned))
        engine_s += time.perf_counter() - started
    started = time.perf_counter()
    figures = engine.Figures.concat(parts)
    engine_s += time.perf_counter() - started
    if len(figures.minutes) != sla_bench.CIRCUITS:
        raise BenchError("the SLA engine lost circuits")
    return sla_bench.CIRCUITS, period.minutes, engine_s


def main(argv: list[str] | None = None) -> int:
    """Run the bench; the last line is the summary."""
    parser = argparse.ArgumentParser(prog="python bench/poller.py")
    parser.add_argument("--devices", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--skip-sla", action="store_true", help="leave out the SLA engine")
    args = parser.parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="socle-bench-poller-"))
    try:
        with SimulatedAgents(args.devices, INTERFACES, community=COMMUNITY,
                             flap_period=60.0, flap_down=15.0) as agents:
            socle = bench_socle(agents, args.rounds)
            socle_v3 = bench_socle(agents, args.rounds, v3=True)
            anchor = bench_exporter(agents, args.rounds, workdir)
    except (BenchError, RuntimeError) as exc:  # RuntimeError: agents that did not start
        print(f"bench poller: FAILED: {exc}", file=sys.stderr)
        return 1
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    figures = {}
    for name, (polls, wall, cpu, agent_cpu) in (("socle", socle), ("socle_v3", socle_v3),
                                                 ("snmp_exporter", anchor)):
        figures[name] = (polls / wall, 1000 * cpu / polls, 1000 * agent_cpu / polls)
        print(f"{name}: {polls} device-polls in {wall:.2f} s = {polls / wall:.0f}/s; "
              f"CPU {1000 * cpu / polls:.2f} s per 1,000 device-polls (poller), "
              f"{1000 * agent_cpu / polls:.2f} s (agents)")
    sla_part = ""
    if not args.skip_sla:
        circuits, minutes, engine_s = bench_sla_engine()
        print(f"sla engine: {circuits} circuits × {minutes} minutes (one month at one-minute "
              f"resolution) in {engine_s:.2f} s")
        sla_part = f" sla_month_10k_s={engine_s:.2f}"
    ratio = figures["socle"][1] / figures["snmp_exporter"][1]
    print(f"bench poller: devices={args.devices} interfaces={INTERFACES} "
          f"socle_polls_per_s={figures['socle'][0]:.0f} "
          f"socle_cpu_s_per_1k={figures['socle'][1]:.2f} "
          f"socle_v3_cpu_s_per_1k={figures['socle_v3'][1]:.2f} "
          f"exporter_polls_per_s={figures['snmp_exporter'][0]:.0f} "
          f"exporter_cpu_s_per_1k={figures['snmp_exporter'][1]:.2f} "
          f"socle_agent_cpu_s_per_1k={figures['socle'][2]:.2f} "
          f"exporter_agent_cpu_s_per_1k={figures['snmp_exporter'][2]:.2f}"
          f"{sla_part} ratio={ratio:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
