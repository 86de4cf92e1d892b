"""The service catalogue: the regional services and their versions as data
(``catalog/*.yaml``, artifacts in ``artifacts/``), validated once, with dependency
order and configuration schemas."""
