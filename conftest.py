"""Test collection: the deprecated shim ``coopsim/automata.py`` warns when imported, so the
doctest collector (``--doctest-modules``) skips it; ``tests/test_registry.py`` tests it."""
collect_ignore = ["coopsim/automata.py"]
