from __future__ import annotations


class CertificationError(Exception):
    """A certification step that breaks a rule; the message is shown to staff or the trainee."""
