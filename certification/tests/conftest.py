from __future__ import annotations

# The fake Stripe server the payments tests run (localstripe), for the fees paid online here.
from payments.tests.conftest import _stripe_process, stripe_server  # noqa: F401
