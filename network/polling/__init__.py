"""Scheduled SNMP polling of the inventory's devices: cycles that never overlap for a
device, sharded across worker processes, feeding the SLA day rows, the device poll
status and the live rates exposed at ``/metrics``."""
