"""Development tools beside the domain package: the synthetic landing-area generator and the benches.

It depends on :mod:`techaid`, never the other way (an import-linter contract checks it)."""
