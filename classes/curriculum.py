"""The parent course curriculum (docs/domain.md, Courses and sessions) as data: five topic blocks, merged
for shorter courses.

A session stores the blocks it covers (``Session.curriculum``, e.g. "4,5"); its topic title starts from
``topic_title`` and the instructor may edit it. The home-practice guide reads the strokes and cues here.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

REVIEW = "review"


@dataclass(frozen=True)
class TopicBlock:
    number: int
    title: str
    strokes: tuple[str, ...]


BLOCKS: dict[int, TopicBlock] = {
    1: TopicBlock(
        1,
        _("Asking permission; legs and feet"),
        (
            _("Asking permission"),
            _("Resting hands"),
            _("Indian milking"),
            _("Hug and glide"),
            _("Thumb over thumb"),
            _("Toe roll"),
            _("Under toes and ball of foot"),
            _("Thumb press"),
            _("Top of foot"),
            _("Ankle circles"),
            _("Swedish milking"),
            _("Rolling"),
            _("Bottom relaxer"),
        ),
    ),
    2: TopicBlock(
        2,
        _("Tummy"),
        (
            _("Resting hands"),
            _("Water wheel"),
            _("Thumbs to sides"),
            _("Sun moon"),
            _("I love you"),
            _("Walking"),
            _("The colic-relief routine"),
        ),
    ),
    3: TopicBlock(
        3,
        _("Chest, arms and hands"),
        (_("Open book"), _("Butterfly"), _("Arm and hand strokes")),
    ),
    4: TopicBlock(
        4,
        _("Face and back"),
        (_("Face strokes"), _("Back and forth"), _("Swooping"), _("Back circles"), _("Combing")),
    ),
    5: TopicBlock(
        5,
        _("Gentle movements and the whole-body routine"),
        (_("Gentle movements"), _("The whole-body routine")),
    ),
}

# Which blocks each week covers, by course length. Weeks after the fifth are review.
MERGED_WEEKS: dict[int, tuple[tuple[int, ...], ...]] = {
    1: ((1, 2, 3, 4, 5),),
    2: ((1, 2), (3, 4, 5)),
    3: ((1, 2), (3,), (4, 5)),
    4: ((1,), (2,), (3,), (4, 5)),
    5: ((1,), (2,), (3,), (4,), (5,)),
}

MERGED_TITLES: dict[tuple[int, ...], str] = {
    (1, 2, 3, 4, 5): _("The whole-body routine"),
    (1, 2): _("Legs, feet and tummy"),
    (3, 4, 5): pgettext_lazy("course week topic", "The rest: chest, arms, face, back and gentle movements"),
    (4, 5): _("Face, back and gentle movements"),
}

REVIEW_TITLE = _("Review, and adapting massage as your baby grows")

CUES = (
    _("Ask your baby's permission before you start, and watch for the answer."),
    _("Engagement cues: eye contact, relaxed face, cooing, reaching towards you."),
    _("Disengagement cues: looking away, arching, frowning, fussing or crying — time to pause or stop."),
    _("Massage when your baby is quiet and alert, not straight after a feed."),
    _("About 15 minutes a day is plenty; follow your baby's lead."),
)


def curriculum_for_week(weeks: int, week: int) -> str:
    """The blocks covered in ``week`` (1-based) of a course of ``weeks`` weeks, as stored on a session."""
    if week > 5 or week > weeks:
        return REVIEW
    plan = MERGED_WEEKS[min(weeks, 5)]
    return ",".join(str(number) for number in plan[week - 1])


def blocks_of(curriculum: str) -> tuple[TopicBlock, ...]:
    if curriculum == REVIEW or not curriculum:
        return ()
    return tuple(BLOCKS[int(number)] for number in curriculum.split(","))


def topic_title(curriculum: str) -> str:
    if curriculum == REVIEW or not curriculum:
        return str(REVIEW_TITLE)
    numbers = tuple(int(number) for number in curriculum.split(","))
    if numbers in MERGED_TITLES:
        return str(MERGED_TITLES[numbers])
    return str(BLOCKS[numbers[0]].title)


def strokes_for(curriculum: str) -> tuple[str, ...]:
    """Strokes to practise after a session: its own blocks, or the whole routine for a review week.

    Lazy strings: they are translated where they are rendered, in the reader's language.
    """
    blocks = blocks_of(curriculum) or tuple(BLOCKS.values())
    return tuple(dict.fromkeys(stroke for block in blocks for stroke in block.strokes))
