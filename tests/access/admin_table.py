"""The admin table: every registered ModelAdmin, a real row of it, and who gets its pages and actions.

Each staff role sees the models its group's permissions name and nothing else; a trainer sees only the
trainings they lead and their enrollments (`scope`). Signed-out visitors and parents (not staff) are
sent to the admin's sign-in page everywhere. The superuser is the control: whatever the admin offers at
all, the superuser gets, so a page refused to everybody cannot pass as secure; what the admin offers
nobody (adding a certificate by hand, deleting a booking) is refused to the superuser too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group
from django.contrib.sites.models import Site
from django.db.models import Model
from django.utils import timezone

from accounts.models import PAYMENTS_OFFICERS_GROUP, TRAINERS_GROUP, User
from certification.models import Certificate, CertificateEvent, CertificateNumberSequence, Enrollment
from certification.services import revoke_certificate
from certification.tests.factories import eligible_enrollment, past_training
from classes.models import Attendance, BookingNotice, CourseAction, Evaluation
from classes.services import message_families
from classes.tests.factories import AttendanceFactory
from notifications.models import Heartbeat, OutgoingEmail
from notifications.tests.factories import HeartbeatFactory, OutgoingEmailFactory
from payments.models import Payment, Receipt, Refund, StripeEvent
from tests.access.table import (
    CERTIFICATION_ADMIN,
    COORDINATOR,
    FORBIDDEN,
    LOGIN,
    OK,
    PARENT,
    STAFF,
    TRAINER,
    VISITOR,
)
from tests.access.world import OTHER_TRAINEE, World, person

SUPERUSER = "superuser"
# Payments officers work in admin only (no site page is theirs): they are swept here, not in table.py.
PAYMENTS_OFFICER = "payments_officer"
ADMIN_ROLES = (VISITOR, PARENT, STAFF, TRAINER, CERTIFICATION_ADMIN, COORDINATOR, PAYMENTS_OFFICER, SUPERUSER)

# What a person gets from the admin, besides OK, FORBIDDEN and LOGIN (to the admin's sign-in page).
DONE = "done"  # the action ran: back to the list, and the data changed
PAGE = "page"  # an intermediate page (a confirmation, a form): 200, and nothing changed yet
REFUSED = "refused"  # the action is not offered to them: the list again, and nothing changed
ABSENT = "absent"  # a row outside what they may see: the admin says it does not exist

NOBODY: frozenset[str] = frozenset()
SUPERUSER_ONLY = frozenset({SUPERUSER})
COURSES = frozenset({COORDINATOR, SUPERUSER})
TRAININGS = frozenset({TRAINER, CERTIFICATION_ADMIN, SUPERUSER})
CERTIFICATES = frozenset({CERTIFICATION_ADMIN, SUPERUSER})
MONEY = frozenset({PAYMENTS_OFFICER, SUPERUSER})


@dataclass(frozen=True)
class AdminWorld:
    """The access world, and the rows only admin shows: a failed email, a heartbeat, a register mark, a
    coordinator's record, a certificate event, an eligible trainee of Trudy's and a revoked certificate."""

    world: World
    superuser: User
    payments_officer: User
    unverified_address: EmailAddress
    failed_email: OutgoingEmail
    heartbeat: Heartbeat
    attendance: Attendance
    notice: BookingNotice
    course_action: CourseAction
    certificate_event: CertificateEvent
    eligible: Enrollment
    revoked: Certificate
    payment: Payment
    failed_refund: Refund
    stripe_event: StripeEvent


def continue_numbering_after_factory_certificates() -> None:
    """Factory-made certificates take numbers the association's sequence has not handed out; issuing
    carries on after them, as it would after an import, instead of colliding with one."""
    year = timezone.now().year
    numbers = Certificate.objects.filter(number__startswith=f"IMC-{year}-").values_list("number", flat=True)
    last = max((int(number.rsplit("-", 1)[1]) for number in numbers), default=0)
    CertificateNumberSequence.objects.update_or_create(year=year, defaults={"last": last})


def alices_card_payment(world: World) -> Payment:
    """A card payment of Alice's, as Stripe's webhook would have left it (admin shows, never takes, money)."""
    return Payment.objects.create(
        purpose=Payment.Purpose.BOOKING,
        description=f"“{world.course.title}”, a place for Oliver",
        payer=world.parent,
        amount=9000,
        currency="EUR",
        status=Payment.Status.SUCCEEDED,
        succeeded_at=timezone.now(),
        intent_id="pi_admin_world",
        intent_status="succeeded",
    )


def build_admin_world(world: World) -> AdminWorld:
    continue_numbering_after_factory_certificates()
    payment = alices_card_payment(world)
    message_families(world.course, actor=world.coordinator, subject="Room change", body="We meet upstairs.")
    revoked = revoke_certificate(
        world.other_certificate,
        actor=world.certification_admin,
        reason="Complaint upheld.",
        public_statement="Revoked by the association.",
    )
    return AdminWorld(
        world=world,
        superuser=person("sam@association.example.org", "Sam Root", is_staff=True, is_superuser=True),
        payments_officer=person(
            "olga@association.example.org", "Olga Ortiz", is_staff=True, groups=(PAYMENTS_OFFICERS_GROUP,)
        ),
        unverified_address=EmailAddress.objects.create(
            user=world.other_parent, email="bob.work@example.org", verified=False, primary=False
        ),
        failed_email=OutgoingEmailFactory(
            status=OutgoingEmail.Status.FAILED, attempts=5, last_error="550 mailbox unavailable"
        ),
        heartbeat=HeartbeatFactory(),
        attendance=AttendanceFactory(booking=world.booking, session=world.session),
        notice=BookingNotice.objects.filter(course=world.course).earliest("pk"),
        course_action=CourseAction.objects.get(actor=world.coordinator),
        certificate_event=CertificateEvent.objects.filter(certificate=revoked).earliest("pk"),
        eligible=eligible_enrollment(training=past_training(trainer=world.trainer)),
        revoked=revoked,
        payment=payment,
        failed_refund=Refund.objects.create(
            payment=payment,
            amount=9000,
            reason=Refund.Reason.BY_STAFF,
            status=Refund.Status.FAILED,
            attempts=5,
            last_error="APIConnectionError: the payment service could not be reached",
        ),
        stripe_event=StripeEvent.objects.create(
            event_id="evt_admin_world", type="payment_intent.succeeded", payment=payment
        ),
    )


Row = Callable[[AdminWorld], Model]


@dataclass(frozen=True)
class AdminAction:
    allowed: frozenset[str]  # who may run it; the others with the model get it refused
    selected: Row | None = None  # the row it runs on; None: the entry's row
    confirms: bool = False  # asks first (an intermediate page); the sweep never confirms


@dataclass(frozen=True)
class AdminPage:
    """A page of the ModelAdmin's own (get_urls), named without the admin: prefix."""

    allowed: frozenset[str]
    args: Callable[[AdminWorld], list]
    post: Callable[[AdminWorld], dict] | None = None  # what its form sends; None: GET only


@dataclass(frozen=True)
class Scope:
    """Roles that see only their own part of the rows: `outside` is a row they must not see; `shown` and
    `hidden` are words on the list that only the entry's row and only that one bring (the hidden ones
    include filters: the list must not name the other trainer's training anywhere)."""

    narrowed: frozenset[str]
    outside: Row
    shown: Callable[[AdminWorld], list[str]]
    hidden: Callable[[AdminWorld], list[str]]


@dataclass(frozen=True)
class ModelAdminAccess:
    row: Row  # a real row, for its change page
    view: frozenset[str]  # who gets the list and the change page
    add: frozenset[str] = NOBODY
    actions: dict[str, AdminAction] = field(default_factory=dict)
    pages: dict[str, AdminPage] = field(default_factory=dict)
    scope: Scope | None = None


# Deleting shows a confirmation first; only the superuser holds a delete permission.
DELETE = {"delete_selected": AdminAction(SUPERUSER_ONLY, confirms=True)}
# Rows written by services only: nobody deletes them, the superuser included.
NO_DELETE = {"delete_selected": AdminAction(NOBODY)}


def carol_certificate(admin: AdminWorld) -> list:
    return [admin.world.certificate.pk]


def lifecycle(post: Callable[[AdminWorld], dict], args=carol_certificate) -> AdminPage:
    return AdminPage(CERTIFICATES, args, post)


ADMIN: dict[str, ModelAdminAccess] = {
    "auth.Group": ModelAdminAccess(
        row=lambda a: Group.objects.get(name=TRAINERS_GROUP),
        view=SUPERUSER_ONLY,
        add=SUPERUSER_ONLY,
        actions=DELETE,
    ),
    "sites.Site": ModelAdminAccess(
        row=lambda a: Site.objects.get_current(), view=SUPERUSER_ONLY, add=SUPERUSER_ONLY, actions=DELETE
    ),
    "account.EmailAddress": ModelAdminAccess(
        row=lambda a: a.unverified_address,
        view=SUPERUSER_ONLY,
        add=SUPERUSER_ONLY,
        actions={**DELETE, "make_verified": AdminAction(SUPERUSER_ONLY)},
    ),
    "accounts.User": ModelAdminAccess(
        row=lambda a: a.world.parent,
        view=SUPERUSER_ONLY,
        add=SUPERUSER_ONLY,
        actions=DELETE,
        pages={"auth_user_password_change": AdminPage(SUPERUSER_ONLY, lambda a: [a.world.parent.pk])},
    ),
    # Outbox retries need change_outgoingemail, which no group holds.
    "notifications.OutgoingEmail": ModelAdminAccess(
        row=lambda a: a.failed_email,
        view=SUPERUSER_ONLY,
        actions={**NO_DELETE, "retry_sending": AdminAction(SUPERUSER_ONLY)},
    ),
    "notifications.Heartbeat": ModelAdminAccess(
        row=lambda a: a.heartbeat, view=SUPERUSER_ONLY, actions=NO_DELETE
    ),
    # Money is the payments officers': they read payments, refunds and receipts, export the lists as CSV,
    # refund a card payment (asked first) and send a failed refund again (payments.refund_payment).
    "payments.Payment": ModelAdminAccess(
        row=lambda a: a.payment,
        view=MONEY,
        actions={**NO_DELETE, "refund_in_full": AdminAction(MONEY, confirms=True)},
        pages={"payments_payment_csv": AdminPage(MONEY, lambda a: [])},
    ),
    "payments.Refund": ModelAdminAccess(
        row=lambda a: a.failed_refund,
        view=MONEY,
        actions={**NO_DELETE, "send_again": AdminAction(MONEY)},
        pages={"payments_refund_csv": AdminPage(MONEY, lambda a: [])},
    ),
    # Issued documents never change: read-only, the officers' to read.
    "payments.Receipt": ModelAdminAccess(
        row=lambda a: Receipt.objects.filter(payment__payer=a.world.parent).first(),
        view=MONEY,
        actions=NO_DELETE,
    ),
    "payments.StripeEvent": ModelAdminAccess(
        row=lambda a: a.stripe_event, view=SUPERUSER_ONLY, actions=NO_DELETE
    ),
    "classes.Venue": ModelAdminAccess(
        row=lambda a: a.world.course.venue, view=COURSES, add=SUPERUSER_ONLY, actions=DELETE
    ),
    "classes.Course": ModelAdminAccess(
        row=lambda a: a.world.course,
        view=COURSES,
        actions={
            **NO_DELETE,
            "publish_selected": AdminAction(COURSES, selected=lambda a: a.world.draft),
            "cancel_selected": AdminAction(COURSES, confirms=True),
        },
    ),
    "classes.Session": ModelAdminAccess(row=lambda a: a.world.session, view=COURSES, actions=NO_DELETE),
    # Babies and their notes are the families' own: coordinators see bookings, never the babies' records.
    "classes.Baby": ModelAdminAccess(
        row=lambda a: a.world.baby, view=SUPERUSER_ONLY, add=SUPERUSER_ONLY, actions=DELETE
    ),
    "classes.Booking": ModelAdminAccess(row=lambda a: a.world.booking, view=COURSES, actions=NO_DELETE),
    "classes.Attendance": ModelAdminAccess(row=lambda a: a.attendance, view=COURSES, actions=NO_DELETE),
    # Families' evaluations, read-only: course coordinators and certification admins (practicum) read them.
    "classes.Evaluation": ModelAdminAccess(
        row=lambda a: Evaluation.objects.filter(booking__course__instructor=a.eligible.trainee).first(),
        view=COURSES | CERTIFICATES,
        actions=NO_DELETE,
    ),
    "classes.BookingNotice": ModelAdminAccess(row=lambda a: a.notice, view=SUPERUSER_ONLY, actions=NO_DELETE),
    "classes.CourseAction": ModelAdminAccess(row=lambda a: a.course_action, view=COURSES, actions=NO_DELETE),
    "certification.TrainingCourse": ModelAdminAccess(
        row=lambda a: a.world.training,
        view=TRAININGS,
        add=CERTIFICATES,
        actions=DELETE,
        scope=Scope(
            narrowed=frozenset({TRAINER}),
            outside=lambda a: a.world.other_training,
            shown=lambda a: [a.world.training.title],
            hidden=lambda a: [a.world.other_training.title, a.world.other_trainer.full_name],
        ),
    ),
    "certification.Enrollment": ModelAdminAccess(
        row=lambda a: a.world.enrollment,
        view=TRAININGS,
        add=SUPERUSER_ONLY,
        actions={
            **DELETE,
            "accept_applications": AdminAction(TRAININGS),
            "decline_applications": AdminAction(TRAININGS),
            # Trudy leads the eligible trainee's training: only the permission stands in her way.
            "issue_certificates": AdminAction(CERTIFICATES, selected=lambda a: a.eligible),
        },
        scope=Scope(
            narrowed=frozenset({TRAINER}),
            outside=lambda a: a.world.other_enrollment,
            shown=lambda a: [a.world.trainee.full_name, a.world.training.title],
            hidden=lambda a: [OTHER_TRAINEE, a.world.other_training.title],
        ),
    ),
    "certification.Certificate": ModelAdminAccess(
        row=lambda a: a.world.certificate,
        view=CERTIFICATES,
        actions={**NO_DELETE, "resend_certificates": AdminAction(CERTIFICATES)},
        pages={
            "certification_certificate_resend": lifecycle(lambda a: {}),
            "certification_certificate_renew": lifecycle(lambda a: {"reason": "Refresher day attended."}),
            "certification_certificate_correct_name": lifecycle(
                lambda a: {"name": "Carol M. Castro", "reason": "The holder asked for her middle initial."}
            ),
            "certification_certificate_revoke": lifecycle(
                lambda a: {"reason": "Complaint upheld.", "public_statement": "Revoked by the association."}
            ),
            "certification_certificate_reinstate": lifecycle(
                lambda a: {"reason": "Appeal upheld."}, args=lambda a: [a.revoked.pk]
            ),
            "certification_certificate_pdf": AdminPage(CERTIFICATES, carol_certificate),
        },
    ),
    "certification.CertificateEvent": ModelAdminAccess(
        row=lambda a: a.certificate_event, view=CERTIFICATES, actions=NO_DELETE
    ),
    "instructors.InstructorProfile": ModelAdminAccess(
        row=lambda a: a.world.profile, view=SUPERUSER_ONLY, add=SUPERUSER_ONLY, actions=DELETE
    ),
}


def expected_outcome(
    role: str, allowed: frozenset[str], *, viewers: frozenset[str], granted: str = OK
) -> str:
    """What a role gets on an admin page or action: signed-out visitors and parents are sent to sign in,
    staff without the model's view get 403, and among those who have it, `allowed` get `granted` and the
    others get an action refused."""
    if role in (VISITOR, PARENT):
        return LOGIN
    if role in allowed:
        return granted
    return REFUSED if role in viewers and granted in (DONE, PAGE) else FORBIDDEN
