"""leodesk.core.credits: balance text, renewal date, the run's ledger, shortfall messages."""

from __future__ import annotations

from datetime import UTC, datetime

from leodesk.core.credits import (
    CreditLedger,
    Spending,
    credits_text,
    queue_shortfall,
    renewal_datetime,
    shortfall_text,
    spent_explanation,
)


def test_credits_text_shows_a_negative_balance_as_it_is() -> None:
    assert credits_text(5000) == "5,000 credits"
    assert credits_text(1) == "1 credit"
    assert credits_text(0) == "0 credits"
    assert credits_text(-12) == "\u221212 credits"
    assert credits_text(-1234) == "\u22121,234 credits"


def test_renewal_date_parses_hasura_timestamps() -> None:
    assert renewal_datetime("2026-03-14T00:00:00.000") == datetime(2026, 3, 14, tzinfo=UTC)
    assert renewal_datetime("2026-03-14T01:00:00Z") == datetime(2026, 3, 14, 1, tzinfo=UTC)
    assert renewal_datetime("2026-03-14T02:00:00+01:00") == datetime(2026, 3, 14, 1, tzinfo=UTC)
    assert renewal_datetime(None) is None
    assert renewal_datetime("") is None
    assert renewal_datetime("next month") is None


def test_ledger_counts_charges_once_and_refunds_only_this_runs_jobs() -> None:
    ledger = CreditLedger()
    assert ledger.snapshot() == Spending(0, 0, 0)
    assert ledger.charge("g1", 24)
    assert not ledger.charge("g1", 24)  # reported twice: counted once
    assert ledger.charge("v1", 5)
    assert ledger.snapshot() == Spending(29, 2, 0)
    assert not ledger.refund("old-run")  # charged by an earlier run: not this run's spending
    assert ledger.refund("g1")
    assert not ledger.refund("g1")
    assert ledger.snapshot() == Spending(5, 2, 1)


def test_queue_shortfall() -> None:
    assert queue_shortfall(120, True, 80) == "Queued jobs need 120 credits; you have 80."
    assert queue_shortfall(120, False, 80) == "Queued jobs need at least 120 credits; you have 80."
    assert queue_shortfall(1200, True, -12) == "Queued jobs need 1,200 credits; you have \u221212."
    assert queue_shortfall(80, True, 80) is None
    assert queue_shortfall(120, True, None) is None  # the balance is not known yet
    assert queue_shortfall(0, False, -5) is None  # nothing priced yet


def test_shortfall_and_spent_texts() -> None:
    assert shortfall_text(56, 10) == "This job needs 56 credits, and your balance is 10 credits."
    assert shortfall_text(None, 10).startswith("The price of this job is not known")
    assert shortfall_text(56, None).endswith("your balance is not known yet.")
    tip = spent_explanation(Spending(24, 2, 1), 5000, 4976)
    assert "2 jobs charged, 1 refunded." in tip
    assert "from 5,000 to 4,976" in tip
    assert "from" not in spent_explanation(Spending(0, 0, 0), None, None)
