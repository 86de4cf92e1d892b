"""HDS providers: their certificate, location, endpoints and credential reference, and
the drivers (object storage, compute) built from them."""
