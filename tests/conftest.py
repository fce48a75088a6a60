"""The suite's fixtures, one module per component in tests/fixtures/, registered here for every
folder (a folder's conftest.py holds only fixtures of its own). Rows are made by tests/factories.py;
helpers shared by the folders are plain modules in tests/support/."""

import pytest

# Helper modules assert too: rewritten for pytest's detailed failure messages, as conftests are.
pytest.register_assert_rewrite("tests.factories", "tests.support", "tests.faults.flows")

pytest_plugins = [
    "tests.fixtures.stack",
    "tests.fixtures.database",
    "tests.fixtures.apps",
    "tests.fixtures.accounts",
    "tests.fixtures.vision",
    "tests.fixtures.kube",
]
