"""The contract modules convert the test model in this process, into a fresh cache (that is under test).
The converters collect garbage after every layer; with every earlier test's objects frozen out of the
collector's sight for the module, each collection looks at this module's objects only."""

from __future__ import annotations

import gc

import pytest


@pytest.fixture(scope="module", autouse=True)
def _collector_sees_only_this_module():
    gc.collect()
    gc.freeze()
    yield
    gc.unfreeze()
