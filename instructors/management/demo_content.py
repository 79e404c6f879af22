"""What the demo shows: people, places and courses for `manage.py seed_demo` (data only, no writes)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time

from instructors.models import Background

DOMAIN = "demo.nurturingtouch.example"
PASSWORD = "demo-password-2026"


def email(local: str) -> str:
    return f"{local}@{DOMAIN}"


@dataclass(frozen=True)
class VenueSpec:
    name: str
    address: str
    city: str
    country: str
    time_zone: str
    accessibility_notes: str


@dataclass(frozen=True)
class InstructorSpec:
    key: str
    full_name: str
    language: str
    bio: str
    backgrounds: tuple[str, ...]
    languages: tuple[str, ...]
    venue: VenueSpec
    offers_private_sessions: bool = False


@dataclass(frozen=True)
class HistorySpec:
    """How a certified instructor got there: exam, practicum after the training, certificate issued."""

    exam_score: int
    practicum_after_days: int
    issued_days_ago: int
    practicum_title: str
    currency: str


@dataclass(frozen=True)
class CourseSpec:
    key: str
    instructor: str
    title: str
    language: str
    in_days: int
    at: time
    capacity: int
    price: str
    currency: str
    weeks: int = 5
    minutes: int = 60
    min_age: int = 4
    max_age: int = 30
    online_link: str = ""
    online_time_zone: str = ""
    is_practicum: bool = False
    pay_online: bool = False  # families pay by card when they book (the fake Stripe under `make run`)


@dataclass(frozen=True)
class FamilySpec:
    local: str
    full_name: str
    language: str
    time_zone: str
    babies: tuple[tuple[str, int], ...]  # first name, age in weeks today
    courses: tuple[str, ...]  # every baby of the family is booked on each


MADRID = "Europe/Madrid"
LONDON = "Europe/London"
NEW_YORK = "America/New_York"

INSTRUCTORS = (
    InstructorSpec(
        "instructor",
        "Lucía Fernández",
        "es",
        "Matrona desde hace doce años y madre de dos. I teach in Spanish and English, in small, calm groups "
        "where babies set the pace and parents leave with a routine they enjoy at home.",
        (Background.MIDWIFE, Background.PARENT),
        ("es", "en"),
        VenueSpec(
            "Espacio Crianza Chamberí",
            "Calle de Fuencarral 120, 28010 Madrid",
            "Madrid",
            "ES",
            MADRID,
            "Ground floor with a step-free entrance, pram parking in the courtyard, changing table.",
        ),
        offers_private_sessions=True,
    ),
    InstructorSpec(
        "hannah",
        "Hannah Clarke",
        "en",
        "Health visitor and neonatal nurse. I have seen how much a few minutes of loving touch a day can "
        "settle a colicky baby and a tired parent; my groups are warm, unhurried and tea is always on.",
        (Background.NURSE,),
        ("en",),
        VenueSpec(
            "The Nest Family Centre",
            "14 Camden Road, London NW1 9DP",
            "London",
            "GB",
            LONDON,
            "Lift to the first-floor studio, buggy park by reception, baby-changing room, "
            "a quiet feeding corner.",
        ),
    ),
    InstructorSpec(
        "priya",
        "Priya Raman",
        "en",
        "Paediatric physiotherapist and lactation consultant. I teach in Brooklyn and online, and love "
        "helping parents of premature babies find gentle, confident touch.",
        (Background.PHYSIOTHERAPIST, Background.LACTATION_CONSULTANT),
        ("en", "hi"),
        VenueSpec(
            "Brooklyn Family Wellness Studio",
            "245 Court Street, Brooklyn, NY 11201",
            "New York",
            "US",
            NEW_YORK,
            "Street-level entrance, stroller parking inside, nursing chair and changing station.",
        ),
        offers_private_sessions=True,
    ),
    InstructorSpec(
        "ines",
        "Inés Navarro",
        "es",
        "Doula y educadora perinatal en València. Classes in Spanish, Valencian and English, with plenty of "
        "time for questions about sleep, colic and reading your baby's cues.",
        (Background.DOULA, Background.CHILDBIRTH_EDUCATOR),
        ("es", "ca", "en"),
        VenueSpec(
            "Casa Mare València",
            "Carrer de Sueca 35, 46006 València",
            "València",
            "ES",
            MADRID,
            "Step-free access from the street, warm mats and cushions, changing table and a toilet "
            "on the same floor.",
        ),
    ),
)

HISTORY = {
    "instructor": HistorySpec(92, 21, 75, "Masaje infantil — curso de prácticas", "EUR"),
    "hannah": HistorySpec(88, 28, 64, "Baby massage — practicum course", "GBP"),
    "priya": HistorySpec(95, 35, 57, "Infant massage — practicum course", "USD"),
    "ines": HistorySpec(85, 42, 50, "Masaje infantil — curso de prácticas", "EUR"),
}

# A former instructor whose certificate the association revoked (seed_demo): the verification page, the
# credential checker and the published revocation list all say so.
FORMER = InstructorSpec(
    "former",
    "Oliver Grant",
    "en",
    "Former infant massage instructor.",
    (Background.NURSE,),
    ("en",),
    VenueSpec(
        "Harbour Family Hub",
        "2 Quay Street, Bristol BS1 4DB",
        "Bristol",
        "GB",
        LONDON,
        "Step-free entrance, lift, changing table.",
    ),
)
FORMER_HISTORY = HistorySpec(84, 30, 90, "Baby massage — practicum course (Bristol)", "GBP")
FORMER_REVOCATION = (
    "Revoked after a complaint about unsafe practice was upheld.",
    "This certificate was revoked by the association on the decision of its ethics committee.",
)

TRAINEE = InstructorSpec(
    "trainee",
    "Chloe Martin",
    "en",
    "Paediatric speech and language therapist, now completing my practicum as an infant massage "
    "instructor. Practicum courses are taught in full, at a lower price.",
    (Background.SPEECH_THERAPIST,),
    ("en",),
    VenueSpec(
        "Southville Community Centre",
        "Beauley Road, Bristol BS3 1QG",
        "Bristol",
        "GB",
        LONDON,
        "Step-free hall on the ground floor, pram parking, accessible toilet with changing table.",
    ),
)

COURSES = (
    CourseSpec(
        "lucia-morning", "instructor", "Masaje infantil: grupo de mañana", "es", 3, time(10), 6, "85", "EUR",
        minutes=75, max_age=26,
    ),
    CourseSpec(
        "lucia-evening", "instructor", "Masaje infantil: grupo de tarde", "es", 10, time(17, 30), 8, "85",
        "EUR", minutes=75,
    ),
    CourseSpec(
        "lucia-english", "instructor", "Baby massage in English (Madrid)", "en", 19, time(11, 30), 7, "90",
        "EUR", weeks=4, pay_online=True,
    ),
    CourseSpec("hannah-new", "hannah", "Baby massage for new parents", "en", 4, time(10), 8, "95", "GBP"),
    CourseSpec(
        "hannah-small", "hannah", "Baby massage — small group", "en", 12, time(10, 30), 6, "95", "GBP"
    ),
    CourseSpec(
        "hannah-dads", "hannah", "Baby massage for dads and co-parents", "en", 26, time(18), 8, "80", "GBP"
    ),
    CourseSpec("priya-brooklyn", "priya", "Infant massage in Brooklyn", "en", 6, time(10), 8, "120", "USD"),
    CourseSpec(
        "priya-online", "priya", "Infant massage online — live from your living room", "en", 15, time(12), 8,
        "60", "USD", online_link="https://meet.example.org/nurturing-touch/priya-online",
        online_time_zone=NEW_YORK,
    ),
    CourseSpec(
        "priya-evening", "priya", "Infant massage — evening class for working parents", "en", 33,
        time(17, 30), 8, "110", "USD", minutes=75, pay_online=True,
    ),
    CourseSpec("ines-valencia", "ines", "Masaje infantil en València", "es", 8, time(10), 8, "70", "EUR"),
    CourseSpec(
        "ines-english", "ines", "Baby massage in English (València)", "en", 22, time(17, 30), 6, "75", "EUR",
        pay_online=True,
    ),
    CourseSpec(
        "chloe-practicum", "trainee", "Baby massage — practicum course", "en", 9, time(10), 6, "60", "GBP",
        is_practicum=True,
    ),
)  # fmt: skip

PARENT = FamilySpec(
    "parent", "Sarah Thompson", "en", LONDON, (("Oliver", 12), ("Mia", 12)), ("hannah-new", "priya-online")
)
# Eight families for a morning group of six: the last two join its waitlist.
FAMILIES = (
    FamilySpec("family1", "Marta Gómez", "es", MADRID, (("Leo", 8),), ("lucia-morning",)),
    FamilySpec("family2", "Javier Ruiz", "es", MADRID, (("Alba", 10),), ("lucia-morning",)),
    FamilySpec("family3", "Elena Castro", "es", MADRID, (("Hugo", 7),), ("lucia-morning",)),
    FamilySpec("family4", "Irene Molina", "es", MADRID, (("Valeria", 14),), ("lucia-morning",)),
    FamilySpec("family5", "David Ortega", "es", MADRID, (("Lucas", 11),), ("lucia-morning",)),
    FamilySpec("family6", "Laura Santos", "es", MADRID, (("Martina", 9),), ("lucia-morning",)),
    FamilySpec("family7", "Paula Romero", "es", MADRID, (("Daniel", 12),), ("lucia-morning",)),
    FamilySpec("family8", "Andrea Vidal", "es", MADRID, (("Sofía", 6),), ("lucia-morning",)),
    FamilySpec("family9", "Emily Carter", "en", LONDON, (("Freddie", 9),), ("hannah-new",)),
    FamilySpec("family10", "Aisha Rahman", "en", LONDON, (("Zara", 7),), ("hannah-small",)),
    FamilySpec("family11", "James O'Connor", "en", LONDON, (("Rosie", 10),), ("hannah-dads",)),
    FamilySpec("family12", "Maya Goldberg", "en", NEW_YORK, (("Eli", 8),), ("priya-brooklyn",)),
    FamilySpec("family13", "Carlos Mendoza", "es", NEW_YORK, (("Valentina", 13),), ("priya-online",)),
    FamilySpec("family14", "Nuria Puig", "es", MADRID, (("Pau", 6),), ("ines-valencia",)),
    FamilySpec("family15", "Grace Hughes", "en", LONDON, (("Alfie", 9),), ("chloe-practicum",)),
    FamilySpec("family16", "Ollie Bennett", "en", LONDON, (("Isla", 8),), ("chloe-practicum",)),
)
PRACTICUM_BABIES = ("Noah", "Lily", "Mateo", "Ava", "Jude")

DESCRIPTIONS = {
    "en": "{weeks} relaxed weekly sessions in a small group. You massage your own baby while the instructor "
    "demonstrates on a doll; we always ask your baby's permission first and follow their cues. Each week "
    "builds on the last, from legs and feet to the whole-body routine, and you get a short home-practice "
    "guide after every session. Bring a blanket, a towel and a small bottle of unscented vegetable oil.",
    "es": "{weeks} sesiones semanales, tranquilas y en grupo pequeño. Cada madre o padre masajea a su bebé "
    "mientras la instructora hace la demostración con un muñeco; siempre pedimos permiso al bebé y "
    "seguimos sus señales. Cada semana se suma a la anterior, de las piernas y los pies a la rutina "
    "completa, y tras cada sesión recibes una guía para practicar en casa. Trae una manta, una toalla "
    "y aceite vegetal sin perfume.",
}
PAYMENT_NOTES = {
    "en": "Pay by bank transfer before the first session (details in your confirmation), "
    "or by card on the day.",
    "es": "Pago por transferencia antes de la primera sesión (datos en la confirmación) "
    "o con tarjeta el primer día.",
}

# Where the trainer runs in-person trainings.
LONDON_TRAINING_VENUE = VenueSpec(
    "Coram's Fields Community Rooms",
    "93 Guilford Street, London WC1N 1DN",
    "London",
    "GB",
    LONDON,
    "Step-free access and an accessible toilet.",
)
MADRID_TRAINING_VENUE = VenueSpec(
    "Centro Nacer Madrid",
    "Calle de Alcalá 210, 28028 Madrid",
    "Madrid",
    "ES",
    MADRID,
    "Lift to the second floor; bright room with mats and cushions.",
)
