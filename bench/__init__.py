"""Plaza benchmark tooling: data generator, load generator and runner (see BENCHMARKS.md)."""
