"""Demo data: the cast of the seed document and a deterministic generator of a lived-in Plaza."""
