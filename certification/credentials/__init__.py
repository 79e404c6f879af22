"""Certificates as credentials anyone can verify offline: the issuer's keys and did:web identity (keys),
VC-JWT signing (jws), the OpenBadgeCredential itself (open_badge), revocation status lists (status_list),
baked badge images (baking) and the checks behind /certificates/check/ (verification).

Nothing here writes to the database: certification.services.credentials does, with these pieces.
"""
