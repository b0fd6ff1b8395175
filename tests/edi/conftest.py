from pathlib import Path

from tests.vessels.conftest import call_body, port, window  # noqa: F401  (the vessels fixtures, shared)
from tests.yard.conftest import clerk, put, size_types, small_yard  # noqa: F401

SAMPLES = Path(__file__).resolve().parent / "samples"


def sample(name: str) -> str:
    return (SAMPLES / name).read_text(encoding="utf-8")
