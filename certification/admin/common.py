"""What the certification admins share: the permissions that decide who sees and does what."""

from __future__ import annotations

ISSUE_CERTIFICATE = "certification.issue_certificate"
MANAGE_CERTIFICATE = "certification.manage_certificate"


def is_certification_admin(request) -> bool:
    """Who issues certificates (the Certification admins group holds the permission) also sees every
    training and enrollment; a trainer without it sees only the trainings they lead. Being staff, or a
    member of a group by name, grants nothing by itself: permissions do."""
    return request.user.is_active and request.user.has_perm(ISSUE_CERTIFICATE)
