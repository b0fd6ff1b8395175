import pytest


@pytest.fixture(autouse=True)
def var_dir(settings, tmp_path):
    """The simulator's default checkpoint (var/simulation/checkpoint.json) goes to the test's own folder."""
    settings.VAR_DIR = tmp_path / "var"
    return settings.VAR_DIR
