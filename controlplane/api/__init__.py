"""The HTTP API (FastAPI): app assembly, dependencies, problem+json errors, routers."""
