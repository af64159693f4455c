"""Test collection: the deprecated shims (``coopsim/automata.py``, ``coopsim/world/simulate.py``) warn when imported, so the
doctest collector (``--doctest-modules``) skips it; ``tests/test_registry.py`` tests it."""
collect_ignore = ["coopsim/automata.py", "coopsim/world/simulate.py"]
