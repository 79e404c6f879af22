from __future__ import annotations

import secrets
from datetime import datetime

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from classes.models import TEACHING_LANGUAGES, Venue
from notifications.storage import private_storage

CERTIFICATE_TITLE = _("Certified Infant Massage Instructor")


class TrainingModule(models.TextChoices):
    """What an instructor training covers."""

    HISTORY = "history", _("Global history of infant massage")
    METHODOLOGY = "methodology", _("Methodology")
    STROKES = "strokes", _("Strokes and techniques")
    INFANT_STATES = "infant_states", _("Infant states, cues, reflexes and crying")
    BONDING = "bonding", _("Bonding and attachment")
    TOUCH_DEPRIVATION = "touch_deprivation", _("Effects of touch deprivation; families at risk")
    SPECIAL_SITUATIONS = (
        "special_situations",
        _("Special situations and adaptations (premature babies, disabilities)"),
    )
    RESEARCH = "research", _("Research")
    TEACHING = "teaching", _("Teaching and group facilitation")
    MARKETING = "marketing", _("Marketing your own classes")


def default_modules() -> list[str]:
    return [module.value for module in TrainingModule]


class TrainingCourse(models.Model):
    """An instructor training run by a trainer, about four days, in person or live online."""

    class Format(models.TextChoices):
        IN_PERSON = "in_person", _("In person")
        ONLINE = "online", _("Live online")

    trainer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("trainer"),
        on_delete=models.PROTECT,
        related_name="trainings_led",
    )
    title = models.CharField(_("title"), max_length=150)
    description = models.TextField(_("description"), blank=True)
    starts_on = models.DateField(_("first day"))
    ends_on = models.DateField(_("last day"))
    format = models.CharField(_("format"), max_length=10, choices=Format.choices, default=Format.IN_PERSON)
    venue = models.ForeignKey(
        Venue,
        verbose_name=_("venue"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="trainings",
    )
    online_link = models.URLField(_("online meeting link"), blank=True)
    time_zone = models.CharField(_("time zone"), max_length=64, default="UTC")
    language = models.CharField(_("taught in"), max_length=10, choices=TEACHING_LANGUAGES, default="en")
    capacity = models.PositiveSmallIntegerField(_("places"), default=16)
    fee = models.DecimalField(_("fee"), max_digits=8, decimal_places=2, default=0)
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    modules = models.JSONField(_("modules covered"), default=default_modules)
    is_published = models.BooleanField(_("open for applications"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("training course")
        verbose_name_plural = _("training courses")
        ordering = ["starts_on"]
        indexes = [models.Index(fields=["is_published", "starts_on"], name="training_listing_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(capacity__gt=0), name="training_capacity_positive"),
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")), name="training_ends_after_start"
            ),
            models.CheckConstraint(condition=Q(fee__gte=0), name="training_fee_non_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.starts_on:%Y-%m-%d})"


class Enrollment(models.Model):
    """A trainee's application to, and progress through, one training towards certification."""

    class Status(models.TextChoices):
        APPLIED = "applied", _("Applied")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        CERTIFIED = "certified", _("Certified")

    trainee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("trainee"),
        on_delete=models.PROTECT,
        related_name="enrollments",
    )
    training = models.ForeignKey(
        TrainingCourse, verbose_name=_("training"), on_delete=models.PROTECT, related_name="enrollments"
    )
    background = models.CharField(_("professional background"), max_length=60, blank=True)
    experience = models.TextField(_("experience with babies and families"), blank=True)
    motivation = models.TextField(_("why you want to teach infant massage"), blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.APPLIED)
    training_attended = models.BooleanField(_("training attended"), default=False)
    exam_score = models.PositiveSmallIntegerField(
        _("exam score (%)"), null=True, blank=True, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    fee_paid = models.BooleanField(_("fee paid"), default=False)
    # How the fee is paid: the card payment opened from the progress page (pending until it goes through),
    # or the bank transfer staff recorded. A free training has none and counts as paid (fee_settled).
    fee_payment = models.OneToOneField(
        "payments.Payment",
        verbose_name=_("fee payment"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="enrollment",
    )
    deadline = models.DateField(_("deadline"), null=True, blank=True)
    applied_at = models.DateTimeField(_("applied"), default=timezone.now)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)

    class Meta:
        verbose_name = _("enrollment")
        verbose_name_plural = _("enrollments")
        ordering = ["-applied_at"]
        constraints = [
            models.UniqueConstraint(fields=["trainee", "training"], name="enrollment_once_per_training"),
            models.CheckConstraint(
                condition=Q(exam_score__isnull=True) | Q(exam_score__lte=100),
                name="enrollment_exam_score_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.trainee} — {self.training}"

    @property
    def fee_settled(self) -> bool:
        """Whether the fee stands in nobody's way: paid, or a free training (docs/domain.md,
        Certification)."""
        return self.fee_paid or not self.training.fee


def new_certificate_token() -> str:
    return secrets.token_hex(16)


def certificate_upload_to(instance: Certificate, filename: str) -> str:
    return f"certificates/{instance.token}/{filename}"


class CertificateStatus(models.TextChoices):
    VALID = "valid", _("Valid")
    EXPIRED = "expired", _("Expired")
    REVOKED = "revoked", _("Revoked")


def _revoked_by(moment: datetime) -> Q:
    return Q(revoked_at__isnull=False, revoked_at__lte=moment)


class CertificateQuerySet(models.QuerySet["Certificate"]):
    """Certificate.status_at as queries: the one definition of valid, expired and revoked."""

    def valid_at(self, moment: datetime) -> CertificateQuerySet:
        return self.exclude(_revoked_by(moment)).filter(valid_until__gt=moment)

    def expired_at(self, moment: datetime) -> CertificateQuerySet:
        return self.exclude(_revoked_by(moment)).filter(valid_until__lte=moment)

    def revoked_at_(self, moment: datetime) -> CertificateQuerySet:
        return self.filter(_revoked_by(moment))

    def active(self) -> CertificateQuerySet:
        """Valid now: what lets an instructor publish courses and be listed in the directory."""
        return self.valid_at(timezone.now())


class CredentialStatusList(models.Model):
    """One Bitstring Status List (purpose: revocation), published signed at /credentials/status/<number>.

    Each certificate holds a random, unique position in one list; its bit is set while the certificate is
    revoked. The published list is computed from the certificates at request time, so a revocation or a
    reinstatement shows at once.
    """

    number = models.PositiveIntegerField(_("number"), primary_key=True)
    size = models.PositiveIntegerField(_("entries"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("credential status list")
        verbose_name_plural = _("credential status lists")
        ordering = ["number"]
        constraints = [
            models.CheckConstraint(condition=Q(size__gte=131072), name="status_list_large_enough"),
        ]

    def __str__(self) -> str:
        return f"{self.number} ({self.size})"


class Certificate(models.Model):
    """A Certified Infant Massage Instructor credential. Its status is computed, never stored."""

    holder = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("holder"),
        on_delete=models.PROTECT,
        related_name="certificates",
    )
    enrollment = models.OneToOneField(
        Enrollment, verbose_name=_("enrollment"), on_delete=models.PROTECT, related_name="certificate"
    )
    number = models.CharField(_("number"), max_length=20, unique=True)
    token = models.CharField(
        _("verification token"), max_length=64, unique=True, default=new_certificate_token
    )
    name_on_certificate = models.CharField(_("name as printed"), max_length=150)
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES, default="en")
    issued_at = models.DateTimeField(_("issued"))
    valid_until = models.DateTimeField(_("valid until"))
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revocation_reason = models.TextField(_("revocation reason (internal)"), blank=True)
    public_statement = models.TextField(_("public statement"), blank=True)
    pdf = models.FileField(
        _("PDF"), upload_to=certificate_upload_to, storage=private_storage, blank=True, max_length=300
    )
    # What is printed (name, dates) changes with renewals and name corrections; the stored PDF is re-rendered
    # when pdf_revision falls behind revision.
    revision = models.PositiveIntegerField(_("printed revision"), default=1)
    pdf_revision = models.PositiveIntegerField(_("revision of the stored PDF"), default=0)
    # Each issue, renewal, correction or re-send asks for one more certificate email (email_version); the
    # task that queues it in the outbox records emailed_version, so a lost task is found and run again.
    email_version = models.PositiveIntegerField(_("certificate email requested"), default=1)
    emailed_version = models.PositiveIntegerField(_("certificate email queued"), default=0)
    email_requested_at = models.DateTimeField(_("certificate email requested at"), null=True, blank=True)
    # Its entry in a revocation status list (certification.credentials.status_list): a random position,
    # unique in its list, given when the certificate is issued (or its first credential is signed).
    status_list = models.ForeignKey(
        CredentialStatusList,
        verbose_name=_("status list"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="certificates",
    )
    status_index = models.PositiveIntegerField(_("status list index"), null=True, blank=True)

    objects = CertificateQuerySet.as_manager()

    class Meta:
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        ordering = ["-issued_at"]
        # What the Certification admins group holds; view_certificate alone only reads.
        permissions = [
            ("issue_certificate", _("Can issue certificates to eligible trainees")),
            ("manage_certificate", _("Can re-send, renew, correct, revoke and reinstate certificates")),
        ]
        indexes = [
            # Renewal-due and expiry sweeps.
            models.Index(fields=["valid_until"], name="certificate_valid_until_idx"),
            # The sweep that re-queues certificate emails whose task was lost.
            models.Index(
                fields=["email_requested_at"],
                condition=Q(email_requested_at__isnull=False),
                name="certificate_email_pending_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_until__gt=F("issued_at")), name="certificate_valid_after_issue"
            ),
            models.CheckConstraint(
                condition=Q(revoked_at__isnull=True) | (~Q(revocation_reason="") & ~Q(public_statement="")),
                name="certificate_revocation_explained",
            ),
            models.UniqueConstraint(
                fields=["status_list", "status_index"], name="certificate_status_entry_unique"
            ),
            models.CheckConstraint(
                condition=Q(status_list__isnull=True, status_index__isnull=True)
                | Q(status_list__isnull=False, status_index__isnull=False),
                name="certificate_status_entry_whole",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} — {self.name_on_certificate}"

    def get_absolute_url(self) -> str:
        return reverse("certification:verify_token", kwargs={"token": self.token})

    @property
    def pdf_is_current(self) -> bool:
        return bool(self.pdf) and self.pdf_revision == self.revision

    def status_at(self, moment: datetime) -> CertificateStatus:
        if self.revoked_at is not None and self.revoked_at <= moment:
            return CertificateStatus.REVOKED
        if moment >= self.valid_until:
            return CertificateStatus.EXPIRED
        return CertificateStatus.VALID

    @property
    def status(self) -> CertificateStatus:
        return self.status_at(timezone.now())


class IssuedCredential(models.Model):
    """A signed OpenBadgeCredential (VC-JWT) of one printed revision of a certificate.

    Issuing, renewing and correcting the name each sign a new one (same `id`, the verification URL); the
    older ones stay, so the verifier can say that a pasted credential was superseded. Written by
    certification.services.credentials only.
    """

    certificate = models.ForeignKey(
        Certificate, verbose_name=_("certificate"), on_delete=models.CASCADE, related_name="credentials"
    )
    revision = models.PositiveIntegerField(_("printed revision"))
    issued_at = models.DateTimeField(_("signed"))
    kid = models.CharField(_("signing key"), max_length=64)
    jwt = models.TextField(_("signed token (VC-JWT)"))

    class Meta:
        verbose_name = _("signed credential")
        verbose_name_plural = _("signed credentials")
        ordering = ["-revision"]
        constraints = [
            models.UniqueConstraint(fields=["certificate", "revision"], name="credential_once_per_revision"),
        ]

    def __str__(self) -> str:
        return f"{self.certificate.number} r{self.revision}"


class CertificateNumberSequence(models.Model):
    """The last number handed out per year; locked row by row so numbers stay unique (gaps are fine)."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("certificate number sequence")
        verbose_name_plural = _("certificate number sequences")

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class CertificateEvent(models.Model):
    """What happened to a certificate, by whom. Written by services, never edited or deleted."""

    class Kind(models.TextChoices):
        ISSUED = "issued", _("Issued")
        EMAILED = "emailed", _("Emailed")
        RESEND_REQUESTED = "resend_requested", _("Re-send requested")
        RENEWED = "renewed", _("Renewed")
        NAME_CORRECTED = "name_corrected", _("Name corrected")
        REVOKED = "revoked", _("Revoked")
        REINSTATED = "reinstated", _("Reinstated")

    certificate = models.ForeignKey(
        Certificate, verbose_name=_("certificate"), on_delete=models.CASCADE, related_name="events"
    )
    kind = models.CharField(_("what"), max_length=20, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, blank=True, on_delete=models.SET_NULL
    )
    at = models.DateTimeField(_("when"), default=timezone.now)
    details = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        verbose_name = _("certificate event")
        verbose_name_plural = _("certificate events")
        ordering = ["at"]

    def __str__(self) -> str:
        return f"{self.certificate.number}: {self.get_kind_display()} ({self.at:%Y-%m-%d})"


class CertificateRenewal(models.Model):
    """A renewal the holder pays online from their certificate page: its card payment, and how it ended.

    Written by certification.services.renewals only. At most one is awaiting payment per certificate; a
    renewed one points at the payment whose receipt the certificate page links to.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Awaiting payment")
        RENEWED = "renewed", _("Renewed")
        # Paid, but the certificate no longer wanted it (revoked, or renewed meanwhile): refunded in full.
        REFUNDED = "refunded", _("Refunded")
        # Replaced by a new payment before it was paid (the fee changed).
        CANCELLED = "cancelled", pgettext_lazy("renewal status", "Cancelled")

    certificate = models.ForeignKey(
        Certificate, verbose_name=_("certificate"), on_delete=models.CASCADE, related_name="renewals"
    )
    payment = models.OneToOneField(
        "payments.Payment",
        verbose_name=_("payment"),
        on_delete=models.PROTECT,
        related_name="certificate_renewal",
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    valid_until = models.DateTimeField(_("renewed until"), null=True, blank=True)

    class Meta:
        verbose_name = _("certificate renewal")
        verbose_name_plural = _("certificate renewals")
        ordering = ["-created_at"]
        constraints = [
            # A second press finds the renewal already waiting for its payment instead of opening another.
            models.UniqueConstraint(
                fields=["certificate"],
                condition=Q(status="pending"),
                name="certificate_one_pending_renewal",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.certificate.number}: {self.get_status_display()} ({self.created_at:%Y-%m-%d})"
