"""API credits as the user reads them: the balance (which may be negative), the plan's renewal
date, what this run spent, and what queued jobs need against what is left. Qt-free.

What "spent this run" means: the charges the API reported (``apiCreditCost`` on each submit's
reply) for the jobs this run sent, less the charges of those jobs that then ended FAILED on the
server (Leonardo refunds failed jobs; the balance, refreshed after every job, shows the refund
itself). Jobs of an earlier run that finish now were charged then, and are not counted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

MINUS = "\u2212"  # a real minus sign: "−12" reads better than "-12" in a label
TOP_UP_URL = "https://app.leonardo.ai/api-access"


def signed(n: int) -> str:
    """``1,234`` / ``−12`` (thousands separators, a real minus sign)."""
    return f"{MINUS}{abs(n):,}" if n < 0 else f"{n:,}"


def credits_text(n: int) -> str:
    """``1,234 credits``, ``1 credit``, ``−12 credits``."""
    return f"{signed(n)} credit{'' if abs(n) == 1 else 's'}"


def renewal_datetime(text: str | None) -> datetime | None:
    """``apiPlanTokenRenewalDate`` as an aware datetime (a Hasura timestamp without a zone is
    UTC); None when absent or not a date."""
    if not text or not isinstance(text, str):
        return None
    try:
        when = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return when.astimezone(UTC) if when.tzinfo is not None else when.replace(tzinfo=UTC)


def date_text(when: datetime) -> str:
    """``14 Mar 2026`` in local time."""
    local = when.astimezone()
    return f"{local.day} {local:%b %Y}"


@dataclass(frozen=True)
class Spending:
    """A snapshot of :class:`CreditLedger`."""

    spent: int  # charges less refunds
    charged_jobs: int  # jobs this run sent whose charge the API reported
    refunded_jobs: int  # of those, the ones that failed on the server


@dataclass
class CreditLedger:
    """The charges of the jobs this run sent, keyed by the job's server id (generation or
    variation id), and their refunds. A refund of a job this run did not charge is ignored."""

    _charges: dict[str, int] = field(default_factory=dict)
    _refunded: set[str] = field(default_factory=set)

    def charge(self, key: str, cost: int) -> bool:
        """Record the charge of job ``key``; False when it was already recorded."""
        if not key or key in self._charges:
            return False
        self._charges[key] = int(cost)
        return True

    def refund(self, key: str) -> bool:
        """Job ``key`` failed on the server; True when its charge was this run's and is now
        taken back."""
        if key not in self._charges or key in self._refunded:
            return False
        self._refunded.add(key)
        return True

    def snapshot(self) -> Spending:
        kept = sum(c for k, c in self._charges.items() if k not in self._refunded)
        return Spending(kept, len(self._charges), len(self._refunded))


def spent_explanation(spending: Spending, start: int | None, now: int | None) -> str:
    """The tooltip of "spent this run": what is counted, and the balance's own change as a
    cross-check (``start``: the first balance this run read, ``now``: the last)."""
    lines = [
        "What the API charged for the jobs this run sent (generations and variations, the cost "
        "it reported for each), less the charges of jobs that then failed on the server, which "
        "Leonardo refunds.",
        f"{spending.charged_jobs} job{'' if spending.charged_jobs == 1 else 's'} charged"
        + (f", {spending.refunded_jobs} refunded" if spending.refunded_jobs else "")
        + ".",
    ]
    if start is not None and now is not None:
        lines.append(
            f"Your balance went from {signed(start)} to {signed(now)} since the app started; "
            "that change also includes prompt helpers, top-ups, and other apps using this key."
        )
    return "\n".join(lines)


def queue_shortfall(needed: int, needed_known: bool, balance: int | None) -> str | None:
    """The warning for queued jobs that need more than the balance, or None.

    ``needed`` is the total of the queued jobs whose price is known; with ``needed_known`` False
    some prices are still being asked, so the total is a lower bound (it warns once even that
    bound is over)."""
    if balance is None or needed <= 0 or needed <= balance:
        return None
    at_least = "" if needed_known else "at least "
    return f"Queued jobs need {at_least}{needed:,} credits; you have {signed(balance)}."


def shortfall_text(needed: int | None, left: int | None) -> str:
    """What the insufficient-credits message says: what the job needed and what is left."""
    need = (
        f"This job needs {credits_text(needed)}"
        if needed is not None
        else "The price of this job is not known"
    )
    have = (
        f"your balance is {credits_text(left)}"
        if left is not None
        else "your balance is not known yet"
    )
    return f"{need}, and {have}."
