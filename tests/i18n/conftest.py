from __future__ import annotations

import pytest

from tests.i18n import pseudo
from tests.i18n.catalogue import check_spanish_is_compiled


@pytest.fixture(scope="session", autouse=True)
def spanish_is_compiled() -> None:
    check_spanish_is_compiled()


@pytest.fixture
def pseudo_locale(settings, tmp_path) -> str:
    return pseudo.serve(settings, tmp_path)
