"""Site-local and vendor plugins, dropped in by integrators (one package per domain)."""
