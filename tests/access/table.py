"""The access table: every URL pattern of the project, who owns what it names, and what each person gets.

Each route says how to build its URL from the objects of tests/access/world.py, who the owner is (the
control: the owner gets through, so a view broken for everybody cannot pass as secure), how the owner
uses it (a GET, or a POST with what the owner's form would send) and what an unrelated parent, an
unrelated instructor and a signed-out visitor get for the very same request. Pages that list "your own"
things answer everyone signed in, with their own data: for those, `private` names what only the owner's
page may show.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from classes.emails import offer_token
from tests.access.world import ALICE_BABY, CAROL_BIO, CAROL_DRAFT, World

# What a person gets.
OK = "200"  # the page itself
OWN = "own"  # 200, with that person's own things and none of the owner's
DONE = "302"  # the action is done (a redirect that is not to the sign-in page)
NOT_FOUND = "404"
FORBIDDEN = "403"
LOGIN = "login"  # a redirect to the sign-in page

# The people of the sweep (tests/access/world.py): the owner is one of the first three.
PARENT, INSTRUCTOR, TRAINEE = "parent", "instructor", "trainee"
OTHER_PARENT, OTHER_INSTRUCTOR, VISITOR = "other_parent", "other_instructor", "visitor"
OTHERS = (OTHER_PARENT, OTHER_INSTRUCTOR, VISITOR)

Build = Callable[[World], dict]


def nothing(world: World) -> dict:
    return {}


@dataclass(frozen=True)
class Route:
    owner: str | None  # None: a public page or action, the same for everybody
    others: dict[str, str]
    kwargs: Build = nothing
    method: str = "GET"
    data: Build = nothing  # what the owner posts
    control: str = OK  # what the owner gets
    html: bool = True  # a page people read (audited with axe-core), not a file or JSON
    private: Callable[[World], list[str]] = field(default=lambda world: [])

    @property
    def post_only(self) -> bool:
        return self.method == "POST"


def public(**options) -> Route:
    return Route(owner=None, others=dict.fromkeys(OTHERS, options.pop("outcome", OK)), **options)


def signed_in(owner: str, **options) -> Route:
    """A page every signed-in person has, showing their own things: the owner's are theirs alone."""
    return Route(owner=owner, others={OTHER_PARENT: OWN, OTHER_INSTRUCTOR: OWN, VISITOR: LOGIN}, **options)


def family(**options) -> Route:
    """One of Alice's own objects: nobody else even learns that it exists."""
    others = {OTHER_PARENT: NOT_FOUND, OTHER_INSTRUCTOR: NOT_FOUND, VISITOR: LOGIN}
    return Route(owner=PARENT, others=others, **options)


def teaching(*, with_id: bool = True, **options) -> Route:
    """A /teach/ page: parents are refused; another instructor gets 404 for Carol's objects."""
    others = {OTHER_PARENT: FORBIDDEN, OTHER_INSTRUCTOR: NOT_FOUND if with_id else OWN, VISITOR: LOGIN}
    return Route(owner=INSTRUCTOR, others=others, **options)


def action(route: Callable[..., Route], data: Build = nothing, **options) -> Route:
    return route(method="POST", data=data, control=DONE, html=False, **options)


def course(world: World) -> dict:
    return {"pk": world.course.pk}


def session(world: World) -> dict:
    return {"pk": world.session.pk}


ACCESS: dict[str, Route] = {
    # config
    "home": public(),
    "healthz": public(html=False),
    # accounts
    "accounts:settings": signed_in(PARENT, private=lambda w: [w.parent.full_name]),
    "accounts:set_language": public(
        method="POST", data=lambda w: {"language": "es", "next": "/"}, control=DONE, outcome=DONE, html=False
    ),
    # classes
    "classes:catalog": public(),
    "classes:course_detail": public(kwargs=lambda w: {"pk": w.course.pk, "slug": w.course.slug}),
    "classes:book": action(
        family,
        data=lambda w: {"baby": w.unbooked_baby.pk, "expected": "book"},
        kwargs=course,
    ),
    # The signed token in the email is the key: whoever holds it sees the offer (PRODUCT.md §5).
    "classes:offer_respond": public(kwargs=lambda w: {"token": offer_token(w.offered)}),
    "classes:my_bookings": signed_in(PARENT, private=lambda w: [ALICE_BABY]),
    "classes:booking_cancel": action(family, kwargs=lambda w: {"pk": w.booking.pk}),
    "classes:booking_calendar": family(kwargs=lambda w: {"pk": w.booking.pk}, html=False),
    "classes:baby_list": signed_in(PARENT, private=lambda w: [ALICE_BABY, w.unbooked_baby.first_name]),
    "classes:baby_add": signed_in(PARENT),
    "classes:baby_edit": family(kwargs=lambda w: {"pk": w.baby.pk}),
    # instructors
    "instructors:directory": public(),
    "instructors:profile_detail": public(kwargs=lambda w: {"slug": w.profile.slug}),
    "instructors:dashboard": teaching(with_id=False, private=lambda w: [CAROL_DRAFT]),
    "instructors:profile_edit": teaching(with_id=False, private=lambda w: [CAROL_BIO]),
    "instructors:course_create": teaching(with_id=False, private=lambda w: [w.course.venue.name]),
    "instructors:course_manage": teaching(kwargs=course),
    "instructors:course_edit": teaching(kwargs=course),
    "instructors:session_topics": action(
        teaching,
        kwargs=course,
        data=lambda w: {f"topic_{s.pk}": f"{s.topic} (again)" for s in w.course.sessions.all()},
    ),
    "instructors:course_publish": action(teaching, kwargs=lambda w: {"pk": w.draft.pk}),
    "instructors:course_cancel": teaching(kwargs=course),
    "instructors:roster": teaching(kwargs=course),
    "instructors:roster_csv": teaching(kwargs=course, html=False),
    "instructors:register_print": teaching(kwargs=course),
    "instructors:course_messages": teaching(kwargs=course),
    "instructors:session_register": teaching(kwargs=session),
    "instructors:session_move": teaching(kwargs=session),
    "instructors:session_cancel": teaching(kwargs=session),
    "instructors:booking_paid": action(
        teaching, kwargs=lambda w: {"pk": w.booking.pk}, data=lambda w: {"paid": "1"}
    ),
    # privacy
    "privacy:my_data": signed_in(PARENT),
    "privacy:export": signed_in(PARENT, html=False, private=lambda w: [w.parent.email, ALICE_BABY]),
    "privacy:delete_account": signed_in(PARENT),
    # certification
    "certification:training_list": public(),
    "certification:training_apply": signed_in(PARENT, kwargs=lambda w: {"pk": w.training.pk}),
    "certification:progress": signed_in(TRAINEE, private=lambda w: [w.training.title]),
    "certification:verify_lookup": public(),
    "certification:verify_token": public(kwargs=lambda w: {"token": w.certificate.token}),
    "certification:certificate_pdf": public(kwargs=lambda w: {"token": w.certificate.token}, html=False),
    "certification:my_certificate": signed_in(INSTRUCTOR, private=lambda w: [w.certificate.number]),
    # A parent holds no certificate, so there is no badge to download; Dave downloads his own.
    "certification:my_certificate_badge": Route(
        owner=INSTRUCTOR,
        others={OTHER_PARENT: NOT_FOUND, OTHER_INSTRUCTOR: OWN, VISITOR: LOGIN},
        html=False,
        private=lambda w: [w.certificate.name_on_certificate, w.certificate.token],
    ),
}
