"""The control plane's console pages, one module per page family."""
