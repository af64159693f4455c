"""Engines: exact (Markov chains, closed forms), sampled (vectorised play), tournaments,
and the bridge to axelrod. Submodules are imported on demand."""
