"""A disbursed loan's standing: the one timer of servicing (due-date reminders, due dates, tier changes, the
guarantor's call, release deadlines, extension reminders), the five-tier classification and the call to compensate."""

from __future__ import annotations

from datetime import date, datetime

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from contracts.base import Actor
    from contracts.enums import Stage
    from contracts.loan_state import Servicing, TierChange
    from contracts.notifications import NotificationKind
    from services.domain import loan_timers as timers
    from services.domain import servicing as ledgers
from services.workflows.loan.core import LoanCore


class LoanStanding(LoanCore):
    # ---- servicing: timers -------------------------------------------------------------------------------------

    @property
    def _servicing(self) -> Servicing:
        assert self.state.servicing is not None
        return self.state.servicing

    def _guarantor(self) -> str | None:
        return timers.guarantor_of(self.state)

    def _next_servicing_moment(self) -> datetime | None:
        return timers.next_servicing_moment(self.state, self._today())

    async def _fire_servicing_timers(self) -> None:
        async with self._lock:
            if not self.state.stage.is_servicing:
                return
            servicing = self._servicing
            today = self._today()
            if self.state.stage is Stage.SERVICING:
                for due in timers.reminders_due(self.state, today):
                    line = due.line
                    servicing.reminded.append(line.seq)
                    if due.announce:
                        await self._event(
                            f"due-soon-{line.seq}-{line.due_date}",
                            NotificationKind.DUE_SOON,
                            f"instalment {line.seq} of ¥{line.unpaid:,.2f} falls due on {line.due_date}",
                            {"seq": line.seq, "due_date": line.due_date.isoformat(), "amount": str(line.unpaid)},
                            [self.state.bank_id, self.state.enterprise_id],
                        )
                for due in timers.due_dates_passed(self.state, today):
                    line = due.line
                    servicing.checked.append(line.seq)
                    if due.announce:
                        await self._event(
                            f"overdue-{line.seq}-{line.due_date}",
                            NotificationKind.OVERDUE,
                            f"instalment {line.seq} due {line.due_date} is unpaid: ¥{line.unpaid:,.2f} overdue",
                            {"seq": line.seq, "due_date": line.due_date.isoformat(), "unpaid": str(line.unpaid)},
                            [self.state.bank_id, self.state.enterprise_id, self._guarantor()],
                        )
                for asset_id in timers.extension_reminders_due(self.state, today):
                    end = self.state.filings[asset_id].pledge_end_date
                    assert end is not None
                    servicing.extension_reminded.append(asset_id)
                    await self._system_event(
                        f"extension-due-{asset_id}-{end}",
                        "extension_due",
                        f"the trademark pledge of {asset_id} ends on {end}, before the loan matures on "
                        f"{self.state.disbursement.maturity_date if self.state.disbursement else '?'}: extend it",
                        {"asset_id": asset_id, "pledge_end_date": end.isoformat()},
                    )
            await self._reclassify(today)
            await self._ask_compensation(today)
            if self.state.stage is Stage.RELEASE:
                for release in timers.overdue_releases(self.state, workflow.now()):
                    release.overdue = True
                    await self._system_event(
                        f"release-overdue-{release.asset_id}-{release.attempt}",
                        "release_overdue",
                        f"no release outcome for asset {release.asset_id} by {release.deadline} "
                        f"(filed {release.filed_on})",
                        {"asset_id": release.asset_id, "deadline": release.deadline.isoformat()},
                    )

    async def _reclassify(self, today: date, by: Actor | None = None, reason: str | None = None) -> None:
        """Days past due and tier as of `today`; a change of tier is an event (and a notification)."""
        servicing = self._servicing
        now = timers.standing(servicing.ledger, servicing.manual_tier, today)
        servicing.days_past_due, servicing.overdue_since = now.days_past_due, now.overdue_since
        servicing.auto_tier, dpd, tier = now.auto_tier, now.days_past_due, now.tier
        if tier is servicing.tier:
            return
        previous, servicing.tier = servicing.tier, tier
        manual = by is not None
        servicing.tier_history.append(
            TierChange(on=today, previous=previous, tier=tier, days_past_due=dpd, manual=manual, reason=reason, by=by)
        )
        why = f"manual downgrade: {reason}" if manual else f"{dpd} day(s) past due"
        await self._notify(
            f"tier-{len(servicing.tier_history)}",
            NotificationKind.TIER_CHANGED,
            f"classification {previous.label} → {tier.label} ({why})",
            {"previous": previous.value, "tier": tier.value, "days_past_due": dpd, "manual": manual},
            [self.state.bank_id, self._guarantor()],
        )
        if not manual:
            await self._system_event(
                f"tier-{len(servicing.tier_history)}",
                "tier_changed",
                f"classification {previous.label} → {tier.label} ({why})",
                {"previous": previous.value, "tier": tier.value, "days_past_due": dpd},
            )

    async def _ask_compensation(self, today: date) -> None:
        servicing, guarantor = self._servicing, self._guarantor()
        if guarantor is None or not timers.compensation_due(self.state):
            return
        servicing.compensation_requested_on = today
        owed = ledgers.total_owed(servicing.ledger, today)
        await self._event(
            "compensation-requested",
            NotificationKind.COMPENSATION_REQUESTED,
            f"{servicing.days_past_due} days past due: guarantor {guarantor} is asked to compensate "
            f"(¥{owed:,.2f} owed)",
            {"guarantor_id": guarantor, "days_past_due": servicing.days_past_due, "owed": str(owed)},
            [guarantor, self.state.bank_id],
        )
