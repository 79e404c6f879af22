"""What would reach a target the run missed: the engineers' reading of the profiles above it, kept here as
words only. No figure is written here: every number in RESULTS.md comes from the run that wrote it."""

from __future__ import annotations

# By the verdict's `explain` key (bench/targets.py); a page key covers P1 and P1b alike.
READINGS = {
    "catalog_signed_out": (
        "A page served from the cache still passes every middleware (sessions, CSRF, locale, CSP, "
        "metrics), asks Redis once (the page and the filters' choices together), validates the filters "
        "and puts the visitor's CSRF token into it; the bare view does none of that. What would reach it: "
        "serve kept pages from the proxy in front (keyed by the canonical URL and the language cookie, "
        "purged by the catalog version)."
    ),
    "catalog_signed_in": (
        "On top of the signed-out page's cost: the session (Redis), the user (a query) and the menu's roles "
        "(Redis) are read each request. What would reach it: a signed-cookie session that carries the "
        "menu variant, so a kept page costs no query and one round trip."
    ),
    "course_page_signed_out": (
        "As the catalog: the page is kept whole, and what is left is the framework's own work per request "
        "beside two Redis round trips. What would reach it: the proxy in front serving kept pages."
    ),
    "course_page_signed_in": (
        "The page around the panel is kept; the booking panel is the parent's own: their bookings on the "
        "course, their babies and whether their address is verified are read each request (three "
        "queries) and the panel is rendered. What would reach it: keep each parent's panel per course "
        "under the catalog version (every booking bumps it), or fetch the panel after the page."
    ),
    "catalog_near": (
        "Near a place, one query reads the page, its count and the soonest start (window functions), "
        "computing a distance for each venue in the box, and one more the online courses beside it; the "
        "cards of both lists are read together. As the venues in the box grow with the catalog, so does "
        "that one query. What would reach it: a covering index on the venues' position with their id, or "
        "the box's venues kept per place and radius under the catalog listing's version."
    ),
    "booking": (
        "The hundred bookings are CPU work for two processes: each is a whole request (session, user, "
        "form, the booking under the course lock, the outbox row and the task published after commit), so "
        "the last parent waits for the work of the ninety-nine before. What would reach it: more cores "
        "(the rush is CPU-bound, not lock-bound), or answering the booking form at once with a receipt "
        "and confirming the place from a queue."
    ),
    "p4:sweep": (
        "The sweep renders once per session and language, but still writes every reminder's full bodies "
        "(text and HTML) into its own row. What would reach it: store each rendering once, with the "
        "families' names as blanks per row, and fill them in at delivery."
    ),
    "p4:workers": (
        "Delivery claims a batch at once and marks each email sent as SMTP accepts it; what is left is the "
        "SMTP conversation and rendering. What would reach it: more workers, or several messages per SMTP "
        "transaction."
    ),
}


def reading(explain_key: str) -> str | None:
    """The reading for a verdict's explain key ("pages:catalog_near", "cold:catalog_near", "booking"…)."""
    kind, _colon, name = explain_key.partition(":")
    if kind in ("pages", "cold"):
        return READINGS.get(name)
    return READINGS.get(explain_key)
