"""Targets: the hosts the services are deployed to (local, SSH, a hosting
subscription's VM), where they stand on the network, and the Ansible inventory."""
