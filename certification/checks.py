"""System checks for certification: `manage.py check --deploy` warns when credentials would be signed with
a key generated on this machine rather than the keys configured for every replica."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def signing_keys_configured(app_configs, **kwargs) -> list[Warning]:
    if settings.CREDENTIAL_SIGNING_KEYS:
        return []
    return [
        Warning(
            "CREDENTIAL_SIGNING_KEYS is not set: certificates are signed with a key generated into "
            f"{settings.CREDENTIAL_KEY_FILE}, which other replicas do not have and a new volume loses.",
            hint="Generate keys with `manage.py credential_keys generate` and set CREDENTIAL_SIGNING_KEYS "
            '(README, "Signed credentials").',
            id="certification.W001",
        )
    ]
