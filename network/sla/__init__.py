"""SLA of the regional network: contracts per provider and class, per-minute
measurements stored as one row per circuit per day (packed arrays, DESIGN §4b), and a
vectorised NumPy engine computing availability (maintenance excluded, unknown apart),
RTT/jitter p95, loss, breaches and penalties per calendar month (Europe/Paris).

The poller and the probes feed ``ingest.ingest``; ``service.report`` and
``service.breaches`` answer the API and the CLI; ``report`` and ``report_render`` make the
monthly document.
"""
