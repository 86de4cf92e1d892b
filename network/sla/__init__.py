"""SLA of the regional network: contracts per provider and class, per-minute
measurements stored as one row per circuit per day (packed arrays, DESIGN §4b), and a
vectorised NumPy engine computing availability (maintenance excluded, unknown apart),
RTT/jitter p95, loss, breaches and penalties per calendar month (Europe/Paris).

The poller and the probes feed :func:`ingest`; :func:`report` and :func:`breaches`
answer the API and the CLI.
"""

from network.sla.contracts import contract_query, create_contract
from network.sla.ingest import Observation, from_poll, ingest, purge
from network.sla.service import breaches, report

__all__ = [
    "Observation",
    "breaches",
    "contract_query",
    "create_contract",
    "from_poll",
    "ingest",
    "purge",
    "report",
]
