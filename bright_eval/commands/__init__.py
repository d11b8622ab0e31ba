"""One module per CLI command; each has `register(subparsers)` which sets `func` on its parser."""
