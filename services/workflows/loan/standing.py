"""A disbursed loan's standing: the one timer of servicing (due-date reminders, due dates, tier changes, the
guarantor's call, release deadlines, extension reminders), the five-tier classification and the call to compensate."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from contracts.enums import RiskTier, Stage
    from contracts.loans import (
        Actor,
        Release,
        Servicing,
        TierChange,
    )
    from contracts.notifications import NotificationKind
    from services.domain import loan_rules
    from services.domain import servicing as ledgers
    from services.domain.calendar import end_of_day
from services.workflows.loan.core import LoanCore, start_of


class LoanStanding(LoanCore):
    # ---- servicing: timers -------------------------------------------------------------------------------------

    @property
    def _servicing(self) -> Servicing:
        assert self.state.servicing is not None
        return self.state.servicing

    def _guarantor(self) -> str | None:
        return self.state.proposal.guarantor_id if self.state.proposal else None

    def _next_servicing_moment(self) -> datetime | None:
        servicing, config = self._servicing, self.state.config
        ledger = servicing.ledger
        today = self._today()
        moments: list[datetime] = []
        if self.state.stage is Stage.SERVICING:
            for line in ledger.lines:
                if line.settled:
                    continue
                if line.seq not in servicing.reminded and config.due_reminder_days:
                    moments.append(start_of(line.due_date - timedelta(days=config.due_reminder_days)))
                if line.seq not in servicing.checked:
                    moments.append(end_of_day(line.due_date))
            for asset_id in loan_rules.extendable_assets(self.state):
                end = self.state.filings[asset_id].pledge_end_date
                if asset_id not in servicing.extension_reminded and end is not None:
                    moments.append(start_of(end - timedelta(days=config.extension_reminder_days)))
        if self.state.stage in (Stage.SERVICING, Stage.DEFAULT):
            change = ledgers.next_tier_change(ledger, today)
            if change is not None:
                moments.append(start_of(change))
            if self._guarantor() and servicing.compensation_requested_on is None and servicing.overdue_since:
                moments.append(start_of(servicing.overdue_since + timedelta(days=config.compensation_days - 1)))
        if self.state.stage is Stage.RELEASE:
            moments += [end_of_day(r.deadline) for r in servicing.releases.values() if self._release_awaited(r)]
        return min(moments) if moments else None

    @staticmethod
    def _release_awaited(release: Release) -> bool:
        return release.outcome == "pending" and not release.overdue

    async def _fire_servicing_timers(self) -> None:
        async with self._lock:
            if not self.state.stage.is_servicing:
                return
            servicing, config = self._servicing, self.state.config
            today = self._today()
            if self.state.stage is Stage.SERVICING:
                for line in servicing.ledger.lines:
                    remind_on = line.due_date - timedelta(days=config.due_reminder_days)
                    if line.seq in servicing.reminded or remind_on > today or not config.due_reminder_days:
                        continue
                    servicing.reminded.append(line.seq)
                    if line.settled or today > line.due_date:
                        continue
                    await self._event(
                        f"due-soon-{line.seq}-{line.due_date}",
                        NotificationKind.DUE_SOON,
                        f"instalment {line.seq} of ¥{line.unpaid:,.2f} falls due on {line.due_date}",
                        {"seq": line.seq, "due_date": line.due_date.isoformat(), "amount": str(line.unpaid)},
                        [self.state.bank_id, self.state.enterprise_id],
                    )
                for line in servicing.ledger.lines:
                    if line.seq in servicing.checked or line.due_date >= today:
                        continue
                    servicing.checked.append(line.seq)
                    if line.settled:
                        continue
                    await self._event(
                        f"overdue-{line.seq}-{line.due_date}",
                        NotificationKind.OVERDUE,
                        f"instalment {line.seq} due {line.due_date} is unpaid: ¥{line.unpaid:,.2f} overdue",
                        {"seq": line.seq, "due_date": line.due_date.isoformat(), "unpaid": str(line.unpaid)},
                        [self.state.bank_id, self.state.enterprise_id, self._guarantor()],
                    )
                for asset_id in loan_rules.extendable_assets(self.state):
                    end = self.state.filings[asset_id].pledge_end_date
                    assert end is not None
                    if asset_id in servicing.extension_reminded:
                        continue
                    if end - timedelta(days=config.extension_reminder_days) > today:
                        continue
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
                for release in servicing.releases.values():
                    if self._release_awaited(release) and end_of_day(release.deadline) <= workflow.now():
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
        dpd = ledgers.days_past_due(servicing.ledger, today)
        servicing.days_past_due = dpd
        servicing.overdue_since = today - timedelta(days=dpd - 1) if dpd else None
        servicing.auto_tier = ledgers.tier_for_days(dpd)
        tier = max(servicing.auto_tier, servicing.manual_tier or RiskTier.NORMAL, key=lambda t: t.rank)
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
        if guarantor is None or servicing.compensation_requested_on is not None:
            return
        if servicing.days_past_due < self.state.config.compensation_days:
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
