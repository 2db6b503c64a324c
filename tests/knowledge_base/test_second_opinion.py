"""The second opinion (TF-IDF centroids), the scope model, and how the decision carries them."""

from __future__ import annotations

from pathlib import Path

import pytest

from knowledge_base.decision import DecisionModel, load_decision
from knowledge_base.faq import load_directory
from knowledge_base.lexicon import load_lexicon
from knowledge_base.matcher import ANSWER, Matcher
from knowledge_base.normalizer import Normalizer
from knowledge_base.scope import ScopeModel, scope_terms
from knowledge_base.second_opinion import SecondOpinion, terms

MATCHER = Matcher(load_directory(), Normalizer(load_lexicon()))


def small_opinion() -> SecondOpinion:
    return SecondOpinion(
        {
            "loan": [(["vay", "von", "lam", "an"], 1.0), (["vay", "von", "ngan", "hang"], 1.0)],
            "card": [(["lam", "can", "cuoc"], 1.0), (["mat", "can", "cuoc"], 1.0)],
            "job": [(["tim", "viec", "lam"], 1.0), (["xin", "viec", "lam"], 0.5)],
        }
    )


def test_terms_are_words_and_pairs_weighted_by_focus() -> None:
    assert terms(["vay", "von"]) == {"vay": 1.0, "von": 1.0, "vay von": 1.0}
    # A pair counts as much as the weaker of its words; a word of no weight drops out with its pairs.
    assert terms(["vay", "von", "ha"], {"vay": 1.0, "von": 0.5, "ha": 0.0}) == {
        "vay": 1.0,
        "von": 0.5,
        "vay von": 0.5,
    }


def test_the_entry_sharing_the_question_s_rare_words_comes_first() -> None:
    opinion = small_opinion()
    focus = {"muon": 1.0, "vay": 1.0, "von": 1.0}
    got = opinion.opinions(["muon", "vay", "von"], focus, ["loan", "card", "job"])
    assert got["loan"] > 0.3
    assert got["card"] == got["job"] == 0.0


def test_words_no_entry_knows_lower_every_cosine() -> None:
    opinion = small_opinion()
    plain = opinion.opinions(["vay", "von"], {"vay": 1.0, "von": 1.0}, ["loan"])["loan"]
    focus = {"vay": 1.0, "von": 1.0, "xang": 1.0, "dau": 1.0}
    diluted = opinion.opinions(["vay", "von", "xang", "dau"], focus, ["loan"])["loan"]
    assert 0.0 < diluted < plain


def test_nothing_asked_and_unknown_entries_give_zero() -> None:
    opinion = small_opinion()
    assert opinion.opinions([], {}, ["loan", "nowhere"]) == {"loan": 0.0, "nowhere": 0.0}
    assert opinion.opinions(["vay"], {"vay": 1.0}, ["nowhere"]) == {"nowhere": 0.0}
    assert SecondOpinion({}).opinions(["vay"], {"vay": 1.0}, []) == {}


def test_the_matcher_s_signals_carry_the_opinion() -> None:
    _, found = MATCHER.signals("toi vua ra tu muon vay von lam an thi can thu tuc gi")
    assert found and all(0.0 <= sig.opinion <= 1.0 + 1e-9 for sig in found.values())
    best = max(found, key=lambda slug: found[slug].opinion)
    assert best.startswith("vay-von")


def test_scope_model_weighs_words_and_pairs_and_clamps() -> None:
    model = ScopeModel(0.5, {"ra tu": 1.0, "xang": -2.0, "tu": 0.25})
    assert scope_terms(["ra", "tu"]) == {"ra", "tu", "ra tu"}
    assert model.logit(["ra", "tu"]) == pytest.approx(1.75)
    assert model.logit(["gia", "xang"]) == pytest.approx(-1.5)
    assert model.logit([]) == pytest.approx(0.5)
    assert ScopeModel(0.0, {"x": 100.0}).logit(["x"]) == 30.0
    assert ScopeModel.from_dict(model.to_dict()) == model


def test_shipped_decision_has_a_scope_model_that_reads_the_domain() -> None:
    decision = load_decision()
    assert decision is not None and decision.scope is not None
    assert decision.scope_logit(["ra", "tu", "vay", "von"]) > decision.scope_logit(["mua", "xe", "tra", "gop"])


def test_decision_round_trips_with_and_without_scope(tmp_path: Path) -> None:
    shipped = load_decision()
    assert shipped is not None
    assert DecisionModel.from_dict(shipped.to_dict()) == shipped
    without = DecisionModel(shipped.question, shipped.bands)
    assert "scope" not in without.to_dict()
    assert DecisionModel.from_dict(without.to_dict()).scope_logit(["ra", "tu"]) == 0.0


@pytest.mark.parametrize("text", ["", "   ", "???", "a" * 5000, "ra tù " * 400, "\x00\ud800", "🙂" * 50])
def test_bad_input_never_crashes(text: str) -> None:
    result = MATCHER.match(text)
    assert result.decision in {"answer", "suggest", "fallback"}


def test_a_plain_in_scope_question_is_still_answered() -> None:
    result = MATCHER.match("mất căn cước công dân thì làm lại ở đâu")
    assert result.decision == ANSWER and result.slug is not None
