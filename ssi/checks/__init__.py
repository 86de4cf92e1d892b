"""Technical checks of establishments' endpoints: exposed ports (TCP connect scan), TLS
versions and certificate expiry, SSH server settings (paramiko). Results are dated and
become evidence (``ssi.internet_exposure``) for the CaRE Internet-exposure items."""
