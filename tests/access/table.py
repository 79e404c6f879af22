"""The access table: every URL pattern of the project, who owns what it names, and what each person gets.

Each route says how to build its URL from the objects of tests/access/world.py, who the owner is (the
control: the owner gets through, so a view broken for everybody cannot pass as secure), how the owner
uses it (a GET, or a POST with what the owner's form would send) and what an unrelated parent, an
unrelated instructor and a signed-out visitor get for the very same request, and what each of the
association's staff roles gets (`staff`): being staff opens Django admin and nothing on the site, so on
the site a staff member is one more signed-in person, except the course coordinator, who may act on
Carol's courses as she does (on the record: COORDINATOR_ACTIONS). Pages that list "your own" things
answer everyone signed in, with their own data: for those, `private` names what only the owner's page may
show.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from django.urls import reverse

from classes.emails import offer_token
from classes.evaluations import evaluation_token
from classes.models import Attendance, Course, CourseAction
from instructors.forms import CourseForm
from notifications.models import EmailAttachment
from payments.models import Receipt
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
# The association's staff (tests/access/world.py): no group, the Trainers, the Certification admins and
# the Course coordinators groups.
STAFF, TRAINER, CERTIFICATION_ADMIN, COORDINATOR = "staff", "trainer", "certification_admin", "coordinator"
STAFF_ROLES = (STAFF, TRAINER, CERTIFICATION_ADMIN, COORDINATOR)

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
    staff: dict[str, str] = field(default_factory=dict)  # what each of STAFF_ROLES gets
    coordinated: bool = False  # names one of Carol's courses, sessions or bookings on /teach/
    signed: bool = False  # authenticated by a signature it carries (a webhook), not a session: no CSRF

    @property
    def post_only(self) -> bool:
        return self.method == "POST"


def all_staff(outcome: str) -> dict[str, str]:
    return dict.fromkeys(STAFF_ROLES, outcome)


def public(**options) -> Route:
    outcome = options.pop("outcome", OK)
    return Route(owner=None, others=dict.fromkeys(OTHERS, outcome), staff=all_staff(outcome), **options)


def signed_in(owner: str, **options) -> Route:
    """A page every signed-in person has, showing their own things: the owner's are theirs alone."""
    others = {OTHER_PARENT: OWN, OTHER_INSTRUCTOR: OWN, VISITOR: LOGIN}
    return Route(owner=owner, others=others, staff=all_staff(OWN), **options)


def family(**options) -> Route:
    """One of Alice's own objects: nobody else even learns that it exists."""
    others = {OTHER_PARENT: NOT_FOUND, OTHER_INSTRUCTOR: NOT_FOUND, VISITOR: LOGIN}
    return Route(owner=PARENT, others=others, staff=all_staff(NOT_FOUND), **options)


def teaching(*, with_id: bool = True, **options) -> Route:
    """A /teach/ page: parents are refused; another instructor gets 404 for Carol's objects. Staff who do
    not teach are refused like parents (teaching_required); a course coordinator gets what Carol gets on
    her objects, and their own (empty) page where the address names none."""
    others = {OTHER_PARENT: FORBIDDEN, OTHER_INSTRUCTOR: NOT_FOUND if with_id else OWN, VISITOR: LOGIN}
    staff = {
        STAFF: FORBIDDEN,
        TRAINER: FORBIDDEN,
        CERTIFICATION_ADMIN: FORBIDDEN,
        COORDINATOR: options.get("control", OK) if with_id else OWN,
    }
    return Route(owner=INSTRUCTOR, others=others, staff=staff, coordinated=with_id, **options)


def association_staff(**options) -> Route:
    """A page of the association dashboard (in Django admin): staff holding association.view_dashboard
    (certification admins and course coordinators) get it; anyone else signed in is refused."""
    others = {OTHER_PARENT: FORBIDDEN, OTHER_INSTRUCTOR: FORBIDDEN, VISITOR: LOGIN}
    staff = {STAFF: FORBIDDEN, TRAINER: FORBIDDEN, CERTIFICATION_ADMIN: OK, COORDINATOR: OK}
    return Route(owner=CERTIFICATION_ADMIN, others=others, staff=staff, **options)


def action(route: Callable[..., Route], data: Build = nothing, **options) -> Route:
    return route(method="POST", data=data, control=DONE, html=False, **options)


def course(world: World) -> dict:
    return {"pk": world.course.pk}


def session(world: World) -> dict:
    return {"pk": world.session.pk}


def booking_email_calendar(world: World) -> dict:
    """The .ics attached to the email that confirmed Alice's booking (book_course queued it; the world
    renders it as the delivery worker would)."""
    return {"pk": EmailAttachment.objects.get(email__key=f"booking-confirmed:{world.booking.pk}").pk}


def statement_month(world: World) -> dict:
    """The month of Fay's card payment on Carol's course, in the course's time zone."""
    paid_at = world.paid.payment.succeeded_at.astimezone(world.paid.course.zone)
    return {"year": f"{paid_at:%Y}", "month": f"{paid_at:%m}"}


def statement_url(world: World) -> str:
    return reverse("instructors:payments_statement", kwargs=statement_month(world))


def alices_receipt(world: World) -> dict:
    return {"pk": Receipt.objects.get(payment__payer=world.parent, kind=Receipt.Kind.RECEIPT).pk}


ACCESS: dict[str, Route] = {
    # config
    "home": public(),
    "healthz": public(html=False),
    # Prometheus's scrape needs the METRICS_TOKEN bearer token, which no browser sends: everyone, signed in
    # or not, staff or not, is refused. The scrape that gets through is config/tests/test_metrics.py's.
    "metrics": public(outcome=FORBIDDEN, control=FORBIDDEN, html=False),
    # Public media on the local disk: Carol's profile photo, the same file for everybody.
    "media": public(kwargs=lambda w: {"path": w.profile.photo.name}, html=False),
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
    # The signed token in the email is the key: whoever holds it sees the offer (docs/domain.md, Bookings
    # and the waitlist).
    "classes:offer_respond": public(kwargs=lambda w: {"token": offer_token(w.offered)}),
    # The link in the evaluation email: the signed token is the key, as for offers. Alice's course has not
    # ended, so everyone holding the link gets the page saying so, and nothing to post yet.
    "classes:evaluation_by_link": public(kwargs=lambda w: {"token": evaluation_token(w.booking)}),
    "classes:my_bookings": signed_in(PARENT, private=lambda w: [ALICE_BABY]),
    "classes:evaluation_mine": family(kwargs=lambda w: {"pk": w.booking.pk}),
    # A GET asks once more, naming the baby; the page's button (a POST) cancels.
    "classes:booking_cancel": family(kwargs=lambda w: {"pk": w.booking.pk}, private=lambda w: [ALICE_BABY]),
    # Alice's "all my sessions" calendar: the secret token is the key, as calendar apps do not sign in.
    "classes:calendar_feed": public(kwargs=lambda w: {"token": w.calendar_feed.token}, html=False),
    # Everyone signed in may have a calendar of their own bookings: the POST renews the asker's own.
    "classes:bookings_feed_renew": Route(
        owner=PARENT,
        others={OTHER_PARENT: DONE, OTHER_INSTRUCTOR: DONE, VISITOR: LOGIN},
        staff=all_staff(DONE),
        method="POST",
        control=DONE,
        html=False,
    ),
    "classes:booking_calendar": family(kwargs=lambda w: {"pk": w.booking.pk}, html=False),
    "classes:baby_list": signed_in(PARENT, private=lambda w: [ALICE_BABY, w.unbooked_baby.first_name]),
    "classes:baby_add": signed_in(PARENT),
    "classes:baby_edit": family(kwargs=lambda w: {"pk": w.baby.pk}),
    # instructors
    "instructors:directory": public(),
    "instructors:profile_detail": public(kwargs=lambda w: {"slug": w.profile.slug}),
    "instructors:dashboard": teaching(with_id=False, private=lambda w: [CAROL_DRAFT]),
    # Whoever teaches renews their own teaching calendar's address (a coordinator's has no courses).
    "instructors:teaching_feed_renew": Route(
        owner=INSTRUCTOR,
        others={OTHER_PARENT: FORBIDDEN, OTHER_INSTRUCTOR: DONE, VISITOR: LOGIN},
        staff={STAFF: FORBIDDEN, TRAINER: FORBIDDEN, CERTIFICATION_ADMIN: FORBIDDEN, COORDINATOR: DONE},
        method="POST",
        control=DONE,
        html=False,
    ),
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
    # A new run of a course is the instructor's own: a course coordinator starts no course in her name.
    "instructors:course_repeat": Route(
        owner=INSTRUCTOR,
        others={OTHER_PARENT: FORBIDDEN, OTHER_INSTRUCTOR: NOT_FOUND, VISITOR: LOGIN},
        staff={STAFF: FORBIDDEN, TRAINER: FORBIDDEN, CERTIFICATION_ADMIN: FORBIDDEN, COORDINATOR: NOT_FOUND},
        kwargs=course,
    ),
    "instructors:roster": teaching(kwargs=course),
    "instructors:roster_csv": teaching(kwargs=course, html=False),
    "instructors:register_print": teaching(kwargs=course),
    "instructors:course_messages": teaching(kwargs=course),
    "instructors:course_evaluations": teaching(kwargs=course),
    "instructors:session_register": teaching(kwargs=session),
    "instructors:session_move": teaching(kwargs=session),
    "instructors:session_cancel": teaching(kwargs=session),
    "instructors:booking_paid": action(
        teaching, kwargs=lambda w: {"pk": w.booking.pk}, data=lambda w: {"paid": "1", "method": "cash"}
    ),
    # Part of Fay's card payment back for the cancelled week of Carol's pay-online course: to her alone, or
    # to every family that paid by card.
    "instructors:session_refund": action(
        teaching,
        kwargs=lambda w: {"pk": w.cancelled_session.pk, "booking": w.paid.pk},
        data=lambda w: {"amount": "18.00"},
    ),
    "instructors:session_refund_all": action(
        teaching, kwargs=lambda w: {"pk": w.cancelled_session.pk}, data=lambda w: {"amount": "18.00"}
    ),
    # Each person's own months: Dave's page lists none of Carol's.
    "instructors:payments": teaching(with_id=False, private=lambda w: [statement_url(w)]),
    # A month of payments on the courses one teaches: a month with none is not found, whoever asks.
    "instructors:payments_statement": Route(
        owner=INSTRUCTOR,
        others={OTHER_PARENT: NOT_FOUND, OTHER_INSTRUCTOR: NOT_FOUND, VISITOR: LOGIN},
        staff=all_staff(NOT_FOUND),
        kwargs=statement_month,
        html=False,
        private=lambda w: [w.paid.parent.full_name],
    ),
    # association
    "association:dashboard": association_staff(),
    "association:figure_csv": association_staff(kwargs=lambda w: {"slug": "demand"}, html=False),
    # privacy
    "privacy:my_data": signed_in(PARENT),
    "privacy:export": signed_in(PARENT, html=False, private=lambda w: [w.parent.email, ALICE_BABY]),
    "privacy:delete_account": signed_in(PARENT),
    # payments: Alice's pay page for the place she holds, its card endpoint (JSON; an empty card is refused
    # with 409 before Stripe is asked) and the return from it.
    "payments:pay": family(kwargs=lambda w: {"pk": w.held.payment_id}),
    "payments:pay_card": family(
        kwargs=lambda w: {"pk": w.held.payment_id}, method="POST", control="409", html=False
    ),
    "payments:pay_done": family(kwargs=lambda w: {"pk": w.held.payment_id}),
    # Stripe's webhook: signed by Stripe with the endpoint secret instead of a session and a CSRF token;
    # anything unsigned is refused, whoever sends it.
    "payments:stripe_webhook": public(method="POST", outcome="400", control="400", html=False, signed=True),
    # Alice's receipt for the place she paid in cash: nobody else learns that it exists, staff included
    # (only payments officers, who hold payments.view_receipt, download anyone's: payments/tests).
    "payments:receipt_pdf": family(kwargs=alices_receipt, html=False),
    # notifications: a file an email carried, for its recipient (and staff who read the outbox)
    "notifications:attachment_download": family(kwargs=booking_email_calendar, html=False),
    # certification
    "certification:training_list": public(),
    "certification:training_apply": signed_in(PARENT, kwargs=lambda w: {"pk": w.training.pk}),
    "certification:progress": signed_in(TRAINEE, private=lambda w: [w.training.title]),
    # Erin's own application: its fee is hers to pay (still being decided, she is told so on her progress
    # page); nobody else learns that it exists.
    "certification:pay_training_fee": Route(
        owner=TRAINEE,
        others={OTHER_PARENT: NOT_FOUND, OTHER_INSTRUCTOR: NOT_FOUND, VISITOR: LOGIN},
        staff=all_staff(NOT_FOUND),
        kwargs=lambda w: {"pk": w.enrollment.pk},
        method="POST",
        control=DONE,
        html=False,
    ),
    "certification:verify_lookup": public(),
    "certification:verify_token": public(kwargs=lambda w: {"token": w.certificate.token}),
    "certification:my_certificate": signed_in(INSTRUCTOR, private=lambda w: [w.certificate.number]),
    # The address names no certificate: each holder renews their own (Carol's and Dave's are far from their
    # end, so each is told when renewing opens), and a parent has none to renew.
    "certification:renew_certificate": Route(
        owner=INSTRUCTOR,
        others={OTHER_PARENT: NOT_FOUND, OTHER_INSTRUCTOR: DONE, VISITOR: LOGIN},
        staff=all_staff(NOT_FOUND),
        method="POST",
        control=DONE,
        html=False,
    ),
    # The address names no certificate: each holder gets their own PDF (Dave his), a parent has none.
    "certification:my_certificate_pdf": Route(
        owner=INSTRUCTOR,
        others={OTHER_PARENT: NOT_FOUND, OTHER_INSTRUCTOR: OWN, VISITOR: LOGIN},
        staff=all_staff(NOT_FOUND),
        html=False,
        private=lambda w: [w.certificate.number],
    ),
    # A parent holds no certificate, so there is no badge to download; Dave downloads his own.
    "certification:my_certificate_badge": Route(
        owner=INSTRUCTOR,
        others={OTHER_PARENT: NOT_FOUND, OTHER_INSTRUCTOR: OWN, VISITOR: LOGIN},
        staff=all_staff(NOT_FOUND),
        html=False,
        private=lambda w: [w.certificate.name_on_certificate, w.certificate.token],
    ),
    # The signed credential, decoded, and baked into a badge image: each holder their own, like the badge.
    "certification:my_credential_jwt": Route(
        owner=INSTRUCTOR,
        others={OTHER_PARENT: NOT_FOUND, OTHER_INSTRUCTOR: OWN, VISITOR: LOGIN},
        staff=all_staff(NOT_FOUND),
        html=False,
        private=lambda w: [w.certificate.credentials.get().jwt],
    ),
    "certification:my_credential_json": Route(
        owner=INSTRUCTOR,
        others={OTHER_PARENT: NOT_FOUND, OTHER_INSTRUCTOR: OWN, VISITOR: LOGIN},
        staff=all_staff(NOT_FOUND),
        html=False,
        private=lambda w: [w.certificate.name_on_certificate, w.certificate.token],
    ),
    "certification:my_credential_png": Route(
        owner=INSTRUCTOR,
        others={OTHER_PARENT: NOT_FOUND, OTHER_INSTRUCTOR: OWN, VISITOR: LOGIN},
        staff=all_staff(NOT_FOUND),
        html=False,
        private=lambda w: [w.certificate.credentials.get().jwt],
    ),
    # Whoever holds the verification URL (the QR code) may fetch the credential, as they may the page; the
    # issuer's DID document, keys and revocation lists are for everybody; so is the credential checker.
    "certification:credential_jwt": public(kwargs=lambda w: {"token": w.certificate.token}, html=False),
    "certification:credential_json": public(kwargs=lambda w: {"token": w.certificate.token}, html=False),
    "certification:credential_png": public(kwargs=lambda w: {"token": w.certificate.token}, html=False),
    "certification:check_credential": public(),
    "certification:did_document": public(html=False),
    "certification:jwks": public(html=False),
    "certification:status_list": public(
        kwargs=lambda w: {"number": w.certificate.status_list_id}, html=False
    ),
}


def form_values(initial: dict) -> dict:
    """A form's initial values as the browser posts them: a ticked box as "on", an unticked one left out."""
    posted = {name: "on" if value is True else value for name, value in initial.items() if value is not False}
    return {name: "" if value is None else value for name, value in posted.items()}


@dataclass(frozen=True)
class CoordinatorAction:
    """A course coordinator's change to Carol's course through one of the /teach/ forms, and the record
    it leaves (a CourseAction of this kind, by the coordinator, on that course)."""

    kind: str
    data: Build | None = None  # what the form sends; None: what the owner's action sends (ACCESS)
    after_start: bool = False  # the register can be taken only once the session has started
    course: Callable[[World], Course] = lambda world: world.course  # the course the record names


def course_edit_form(world: World) -> dict:
    return {**form_values(CourseForm.initial_for(world.course)), "title": "Baby massage in Chamberí, room 2"}


def session_moved_an_hour_later(world: World) -> dict:
    local = world.session.starts_at.astimezone(world.course.zone) + timedelta(hours=1)
    return {"date": local.date().isoformat(), "time": local.strftime("%H:%M")}


# Every /teach/ address that changes something on one of Carol's courses (test_url_sweep checks that no
# coordinated route accepting a POST is missing here).
COORDINATOR_ACTIONS: dict[str, CoordinatorAction] = {
    "instructors:course_edit": CoordinatorAction(CourseAction.Kind.EDITED, course_edit_form),
    "instructors:session_topics": CoordinatorAction(CourseAction.Kind.TOPICS_EDITED),
    "instructors:course_publish": CoordinatorAction(CourseAction.Kind.PUBLISHED, course=lambda w: w.draft),
    "instructors:course_cancel": CoordinatorAction(CourseAction.Kind.COURSE_CANCELLED, nothing),
    "instructors:session_move": CoordinatorAction(
        CourseAction.Kind.SESSION_MOVED, session_moved_an_hour_later
    ),
    "instructors:session_cancel": CoordinatorAction(CourseAction.Kind.SESSION_CANCELLED, nothing),
    "instructors:session_register": CoordinatorAction(
        CourseAction.Kind.REGISTER_TAKEN,
        lambda w: {f"booking_{w.booking.pk}": Attendance.Status.PRESENT},
        after_start=True,
    ),
    "instructors:booking_paid": CoordinatorAction(CourseAction.Kind.PAID_MARKED),
    "instructors:session_refund": CoordinatorAction(
        CourseAction.Kind.SESSION_REFUNDED, course=lambda w: w.cancelled_session.course
    ),
    "instructors:session_refund_all": CoordinatorAction(
        CourseAction.Kind.SESSION_REFUNDED, course=lambda w: w.cancelled_session.course
    ),
    "instructors:course_messages": CoordinatorAction(
        CourseAction.Kind.MESSAGE_SENT, lambda w: {"subject": "Room change", "body": "We meet upstairs."}
    ),
}
