"""The HTTP benchmark (issue 11): `make bench-http DATABASE_URL=...`; see docs/benchmarks.md."""
