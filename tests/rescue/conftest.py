import pytest

from tests.helpers import actor


@pytest.fixture()
def dispatcher(staff):
    """The store's rescue dispatcher, as an Actor."""
    return actor(staff["rescue_dispatcher"])
