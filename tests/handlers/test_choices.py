"""Typed choice ids: what is packed unpacks to the same choice; anything else is refused, never raised."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.faq.validation import MAX_SLUG
from handlers.choices import (
    CALLBACK_DATA_LIMIT,
    SLUG_CHOICES,
    ChoiceData,
    ChoiceIdError,
    FaqChoice,
    FaqMoreChoice,
    FormLocalityChoice,
    FormProvinceChoice,
    MenuChoice,
    MenuItem,
    NeedHelpChoice,
    RequestAction,
    RequestChoice,
    StaffAction,
    StaffChoice,
    StopAddingChoice,
    parse,
    resolve,
)
from knowledge_base.faq import load_directory
from knowledge_base.lexicon import CONTENT_DIR


class Colour(StrEnum):
    RED = "red"
    BLUE = "blue"


@dataclass(frozen=True)
class Sample(ChoiceData, prefix="test:sample"):
    colour: Colour
    count: int
    name: str


# Field values a packed id can hold: no separator, and (after the prefix) within the byte limit.
words = st.text(alphabet=st.characters(blacklist_characters=":", blacklist_categories=("Cs",)), max_size=20)
samples = st.builds(Sample, st.sampled_from(Colour), st.integers(min_value=0, max_value=10**9), words)


@given(samples)
def test_pack_then_unpack_is_the_same_choice(sample: Sample) -> None:
    spelled = f"test:sample:{sample.colour.value}:{sample.count}:{sample.name}"
    if len(spelled.encode()) > CALLBACK_DATA_LIMIT:
        with pytest.raises(ChoiceIdError):
            sample.pack()
        return
    packed = sample.pack()
    assert packed == spelled
    assert Sample.unpack(packed) == sample
    assert parse(packed) == sample


@given(st.builds(RequestChoice, st.sampled_from(RequestAction), st.from_regex(r"YC-\d{4,10}", fullmatch=True)))
def test_request_and_staff_ids_round_trip(choice: RequestChoice) -> None:
    assert RequestChoice.unpack(choice.pack()) == choice
    staff = StaffChoice(StaffAction.CLAIM, choice.code)
    assert StaffChoice.unpack(staff.pack()) == staff


@given(st.one_of(st.text(max_size=200), st.binary(max_size=80).map(lambda b: b.decode("latin-1"))))
def test_anything_else_is_refused_without_raising(value: str) -> None:
    for kind in (Sample, MenuChoice, RequestChoice, FormProvinceChoice, StopAddingChoice):
        choice = kind.unpack(value)
        assert choice is None or choice.pack() == value
    choice = parse(value)
    assert choice is None or choice.pack() == value


@given(st.text(max_size=80))
def test_a_well_formed_prefix_with_bad_fields_is_refused(tail: str) -> None:
    for prefix in ("menu:", "form:prov:", "test:sample:red:", "req:show:", "staff:"):
        choice = parse(prefix + tail)
        assert choice is None or choice.pack() == prefix + tail


MALFORMED = [
    "",
    "menu",
    "menu:",
    "menu:nowhere",
    "menu:main:extra",
    "form:prov:-1",
    "form:prov:03",
    "form:prov:３",
    "form:prov:1e3",
    "req:show",
    "req:undo:YC-1",
    "req:stopadd:now",
    "staff:claim",
    "staff:" + "x" * 60,
    "faq:" + "x" * 61,
    "test:sample:green:1:x",
    "test:sample:red:one:x",
]


@pytest.mark.parametrize("value", MALFORMED)
def test_malformed_ids_are_refused(value: str) -> None:
    assert parse(value) is None


@pytest.mark.parametrize(
    "choice",
    [FaqChoice("x" * 61), Sample(Colour.RED, -1, "x"), Sample(Colour.RED, 1, "a:b"), FormLocalityChoice("\ud800")],
)
def test_what_would_not_fit_or_not_read_back_is_not_packed(choice: ChoiceData) -> None:
    with pytest.raises(ChoiceIdError):
        choice.pack()


def test_ids_people_may_still_hold_keep_their_spelling() -> None:
    # Buttons already sent stay pressable: the packed form is the one f-strings made before.
    assert MenuChoice(MenuItem.LANGUAGE).pack() == "menu:lang"
    assert RequestChoice(RequestAction.CANCEL_YES, "YC-123456").pack() == "req:cancelyes:YC-123456"
    assert StopAddingChoice().pack() == "req:stopadd"
    assert StaffChoice(StaffAction.DONE, "YC-1").pack() == "staff:done:YC-1"
    assert FormProvinceChoice(2).pack() == "form:prov:2"
    assert parse("form:yes") != parse("form:cat:yes")


def test_two_kinds_cannot_share_a_prefix() -> None:
    with pytest.raises(ValueError, match="share the prefix"):

        @dataclass(frozen=True)
        class Again(ChoiceData, prefix="menu"):
            item: str


def test_every_faq_slug_fits_every_button_that_carries_it() -> None:
    for entry in load_directory(CONTENT_DIR / "faq"):
        for kind in (FaqChoice, FaqMoreChoice, NeedHelpChoice):
            assert kind.unpack(kind(entry.slug).pack()) == kind(entry.slug)


def test_a_typed_answer_names_an_offered_choice() -> None:
    offered = [["menu:ask", "❓ Đặt câu hỏi"], ["menu:jobs", "💼 Việc làm, học nghề, vay vốn"]]
    assert resolve("2", offered).choice_id == "menu:jobs"
    assert resolve("dat cau hoi", offered).choice_id == "menu:ask"
    assert resolve("9", offered).out_of_range
    assert resolve("gia xang", offered).choice_id == ""


def test_the_longest_slug_the_editor_allows_fits_every_button() -> None:
    longest = "a" * MAX_SLUG
    for kind in SLUG_CHOICES:
        assert kind.unpack(kind(longest).pack()) == kind(longest)
    with pytest.raises(ChoiceIdError):
        FaqMoreChoice(longest + "a").pack()
