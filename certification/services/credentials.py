"""Signed credentials and revocation status lists: the writes behind certification.credentials.

Each certificate holds a random, unique position in a revocation status list, given when it is issued.
Issuing, renewing and correcting the name sign a new OpenBadgeCredential (an IssuedCredential of the
certificate's printed revision) in the same transaction; `current_credential` signs one on demand for a
certificate that has none of its revision yet (issued before credentials were signed). Revoking and
reinstating change nothing here: the published list is computed from the certificates at request time.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, Max
from django.utils import timezone

from certification.credentials import jws, status_list
from certification.credentials.open_badge import open_badge_credential
from certification.models import Certificate, CredentialStatusList, IssuedCredential

# A list takes new entries until it is half full: random positions stay quick to find, and the
# positions taken still say nothing about who holds them.
FILL_LIMIT = 0.5


def _open_list() -> CredentialStatusList:
    """The newest list with room, locked (positions in it are handed out one at a time); a new list
    when the newest is half full."""
    newest = CredentialStatusList.objects.select_for_update().order_by("-number").first()
    if newest is not None:
        taken = Certificate.objects.filter(status_list=newest).count()
        if taken < newest.size * FILL_LIMIT:
            return newest
    number = (CredentialStatusList.objects.aggregate(last=Max("number"))["last"] or 0) + 1
    return CredentialStatusList.objects.create(number=number, size=settings.CREDENTIAL_STATUS_LIST_SIZE)


def assign_status_entry(certificate: Certificate) -> Certificate:
    """Give the certificate a random free position in a status list (within the caller's transaction)."""
    if certificate.status_list_id is not None:
        return certificate
    with transaction.atomic():
        status = _open_list()
        while True:
            index = secrets.randbelow(status.size)
            if not Certificate.objects.filter(status_list=status, status_index=index).exists():
                break
        certificate.status_list = status
        certificate.status_index = index
        Certificate.objects.filter(pk=certificate.pk).update(status_list=status, status_index=index)
    return certificate


def issue_credential(certificate: Certificate) -> IssuedCredential:
    """Sign the credential of the certificate's current revision (within the caller's transaction, the
    certificate row locked). Returns the existing one if that revision is already signed."""
    existing = certificate.credentials.filter(revision=certificate.revision).first()
    if existing is not None:
        return existing
    assign_status_entry(certificate)
    now = timezone.now()
    token, kid = jws.sign(open_badge_credential(certificate, signed_at=now))
    return IssuedCredential.objects.create(
        certificate=certificate, revision=certificate.revision, issued_at=now, kid=kid, jwt=token
    )


def current_credential(certificate: Certificate) -> IssuedCredential:
    """The signed credential of the certificate as it is printed now, signed on first request if need be."""
    credential = certificate.credentials.filter(revision=certificate.revision).first()
    if credential is not None:
        return credential
    try:
        with transaction.atomic():
            locked = (
                Certificate.objects.select_for_update(of=("self",))
                .select_related("holder")
                .get(pk=certificate.pk)
            )
            credential = issue_credential(locked)
    except IntegrityError:
        # Another request signed it (or took the position) first.
        credential = certificate.credentials.get(revision=certificate.revision)
    certificate.status_list_id = credential.certificate.status_list_id
    certificate.status_index = credential.certificate.status_index
    return credential


def revoked_indexes(number: int) -> list[int]:
    """Positions of list `number` whose certificates are revoked now."""
    return list(
        Certificate.objects.filter(
            status_list_id=number, revoked_at__isnull=False, revoked_at__lte=timezone.now()
        ).values_list("status_index", flat=True)
    )


def signed_status_list(number: int) -> str | None:
    """The list's BitstringStatusListCredential as a VC-JWT, computed now; None for no such list."""
    status = CredentialStatusList.objects.filter(number=number).first()
    if status is None:
        return None
    bits = status_list.bitstring(status.size, revoked_indexes(number))
    token, _kid = jws.sign(status_list.list_credential(number, bits, now=timezone.now()))
    return token


def status_list_usage() -> dict[int, int]:
    """How many positions each list has handed out (for admin and tests)."""
    rows = Certificate.objects.filter(status_list__isnull=False).values("status_list").annotate(n=Count("pk"))
    return {row["status_list"]: row["n"] for row in rows}
