"""What the station does with a scan: select (and print), verify, dispatch, obey a
command barcode, or say no.

What a scan means is decided by ``interpret``; what is then done to the job (print,
dispatch) by the ``JobService``, which the Job menu uses too; what comes next (the
next job in hand and printed) by the ``PackingFlow``. Every scan is logged with its
outcome. Disk and network work runs off the caller's thread (the UI's loop never
waits); the result says what to show.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

from packstation.api import Job
from packstation.config.delivery import DeliveryMethod, Tracking
from packstation.config.settings import Settings
from packstation.courier.desk import CourierDesk
from packstation.courier.models import Slot
from packstation.job_service import SEND_FIRST, EarlySend, JobService, Saved
from packstation.packers import SignIn
from packstation.scanning import booking
from packstation.scanning.commands import Command, badge_code, barcode
from packstation.scanning.flow import PackingFlow, QueueOrder, Step
from packstation.scanning.interpret import ScanKind, ScanMeaning, clean, interpret
from packstation.scanning.known_jobs import KnownJobs, unless_lost
from packstation.store.jobs import JobCache
from packstation.store.packers import PackerRoster
from packstation.store.site_database import SiteUnreachable

SIGN_IN_FIRST = ("Sign in first: scan your badge, or pick your name at the top of the "
                 "window. This station asks who is packing.")


@dataclass(frozen=True, slots=True)
class Begun:
    """A scan whose trip to a worker has started (``ScanHandler.begin``)."""

    raw: str
    in_hand: Job | None
    previous: str
    confirmed: bool
    replace: bool
    replacing: Job | None
    read: asyncio.Future[tuple[ScanMeaning, Saved | None]]


@dataclass(frozen=True, slots=True)
class ScanOutcome:
    ok: bool
    message: str
    meaning: ScanMeaning
    select: Job | None = None  # put this job in hand
    dispatched: bool = False  # saved for sending
    confirm: str = ""  # ask this, then call handle(..., confirmed=True, replace=replace)
    replace: bool = False  # the question is whether to replace another tracking reference
    clear: bool = False  # nothing in hand (PAUSE, or the queue is done)
    choose_slot: Job | None = None  # show the courier's slots for this job (BOOK)
    offered: tuple[Slot, ...] = ()  # ...these (asked again after a slot expired)
    again: bool = False  # ...and book it even past a lost answer (the packer said yes)


async def _first_of(written: asyncio.Event, sending: asyncio.Future[Any],
                    wait: float) -> None:
    """Until the request is written, the send is over, or ``wait`` seconds."""
    on_wire: asyncio.Future[Any] = asyncio.ensure_future(written.wait())
    try:
        await asyncio.wait({on_wire, sending}, timeout=wait,
                           return_when=asyncio.FIRST_COMPLETED)
    finally:
        on_wire.cancel()


class _NoQueue:
    def pending_in_order(self, after: Job | None, skip: object) -> list[Job]:
        return []

    def put_in_hand(self, job: Job) -> None:
        pass


@dataclass
class ScanHandler:
    cache: JobCache
    jobs: JobService
    settings: Callable[[], Settings] = Settings
    methods: Callable[[str | None], DeliveryMethod] | None = None
    pdfs_ready: Callable[[Job], bool] = lambda job: False
    verified: dict[int, set[int]] = field(default_factory=dict)
    previous: str = ""  # the last scan, cleaned: an unknown format counts when scanned twice
    last_dispatched: Job | None = None  # at this station: what WRONG LABEL corrects
    replacing: Job | None = None  # WRONG LABEL scanned: the next scan is this job's label
    _previous_job: int | None = None  # the job in hand at the previous scan
    _in_hand: Job | None = None  # at the scan being finished
    sign_in: SignIn | None = None  # who is packing here (None: nobody asks)
    roster: PackerRoster | None = None  # whose badge is whose
    courier: Callable[[], CourierDesk] | None = None  # BOOK's (None: no courier here)

    def __post_init__(self) -> None:
        self.known = KnownJobs(self.cache, self.jobs.outbox)
        self.flow = PackingFlow(self.jobs, lambda: self.settings().continuous_packing,
                                self.pdfs_ready)

    def method(self, name: str | None) -> DeliveryMethod:
        if self.methods is not None:
            return self.methods(name)
        return self.settings().delivery_method(name)

    def get_ready(self, in_hand: Job | None) -> Coroutine[Any, Any, None] | None:
        """A scan has begun (its first character): what to do meanwhile, should it be the
        label that prints the next job — the printer's state asked, or None."""
        if in_hand is None or not self.flow.prints_next():
            return None
        return self.jobs.look_ahead()

    async def handle(self, raw: str, in_hand: Job | None, queue: QueueOrder | None = None, *,
                     confirmed: bool = False, replace: bool = False) -> ScanOutcome:
        """What ``raw`` means and does. ``queue`` gives the next job; ``confirmed``: the
        packer said yes to the outcome's ``confirm`` question; ``replace``: and that
        question was about replacing a different tracking reference."""
        return await self.finish(self.begin(raw, in_hand, confirmed=confirmed,
                                            replace=replace), queue)

    def begin(self, raw: str, in_hand: Job | None, *, confirmed: bool = False,
              replace: bool = False) -> Begun:
        """``handle``'s first half, on the loop's thread: its trip to a worker (reading
        the scan, saving a dispatch) starts now, not at the loop's next turn. Then
        ``finish``; one scan at a time."""
        previous, self.previous = self.previous, clean(raw)
        if in_hand is None or in_hand.id != self._previous_job:
            previous = ""  # twice in a row means for the same job in hand
        if confirmed:  # the packer said yes to what this scan was judged to be
            previous = self.previous
        self._previous_job = in_hand.id if in_hand is not None else None
        replacing = self.replacing
        loop = asyncio.get_running_loop()
        early = EarlySend(loop, asyncio.Event())
        read = loop.run_in_executor(
            None, self._read_replacing if replacing is not None else self._read,
            raw, replacing or in_hand, previous, confirmed, replace, early)
        return Begun(raw, in_hand, previous, confirmed, replace, replacing, read)

    async def finish(self, begun: Begun, queue: QueueOrder | None = None) -> ScanOutcome:
        queue = queue or _NoQueue()
        self._in_hand = begun.in_hand
        outcome: ScanOutcome | None = None
        confirmed, replace, replacing = begun.confirmed, begun.replace, begun.replacing
        try:
            meaning, saved = await begun.read
            if replacing is not None and meaning.kind is ScanKind.BADGE:
                pass  # another packer takes over: the right label is still awaited
            elif replacing is not None:
                if meaning.kind in (ScanKind.DISPATCH, ScanKind.REFUSED):
                    outcome = await self._replace(replacing, meaning, confirmed)
                else:  # an order, a voucher, a command: WRONG LABEL is over
                    self.replacing = None
                    meaning, saved = await asyncio.to_thread(
                        self._read, begun.raw, begun.in_hand, begun.previous, confirmed,
                        replace)
        except asyncio.CancelledError:
            self.jobs.poke_sender()  # a dispatch may have been saved: it is sent
            raise
        if outcome is None:
            outcome = await self._act(meaning, queue, confirmed, replace, saved)
        if outcome.dispatched:
            self.previous = ""  # a label read again is a new scan, not the second of two
        if meaning.kind is not ScanKind.IGNORED:
            # A site's scan log out of reach loses the line; the scan stands.
            with contextlib.suppress(SiteUnreachable):
                await asyncio.to_thread(self.jobs.log.record, meaning.text, meaning.kind.value,
                                        outcome.message,
                                        meaning.job.id if meaning.job else None)
        return outcome

    def _read_replacing(self, raw: str, replacing: Job | None, previous: str, confirmed: bool,
                        replace: bool, early: EarlySend | None = None
                        ) -> tuple[ScanMeaning, Saved | None]:
        """In a worker, under WRONG LABEL: the scan read as the label of ``replacing``."""
        first = self._who_first(raw)
        if first is not None:
            return first, None
        return interpret(raw, replacing, self.known, self.method, previous, True), None

    def _who_first(self, raw: str) -> ScanMeaning | None:
        """In a worker: a badge (whose, from the list), or a refusal while sign-in is
        required and nobody is signed in (nothing is read, saved or sent); else None."""
        text = clean(raw)
        code = badge_code(text)
        if code is not None:
            roster = self.roster
            found = unless_lost(lambda: roster.by_badge(code), None) \
                if roster is not None and code else None
            return ScanMeaning(ScanKind.BADGE, text, packer=found)
        if text and self.sign_in is not None and self.sign_in.needed():
            return ScanMeaning(ScanKind.REFUSED, text, message=SIGN_IN_FIRST)
        return None

    def _read(self, raw: str, in_hand: Job | None, previous: str, confirmed: bool,
              replace: bool, early: EarlySend | None = None
              ) -> tuple[ScanMeaning, Saved | None]:
        """In a worker: what the scan means, and a dispatch that needs no question saved
        in the same trip (each trip to a worker is a wait on the packer's clock), its
        send started (``early``) as the commit begins."""
        first = self._who_first(raw)
        if first is not None:
            return first, None
        meaning = interpret(raw, in_hand, self.known, self.method, previous)
        if meaning.kind is ScanKind.DISPATCH and meaning.job is not None \
                and (confirmed or not meaning.confirm):
            return meaning, self.jobs.save_dispatch(meaning.job, meaning.reference, replace,
                                                    early)
        return meaning, None

    async def resume(self, in_hand: Job | None,
                     queue: QueueOrder | None = None) -> ScanOutcome | None:
        """The job waiting for its PDFs printed once they are here, if it is still in hand;
        None if there is nothing to do."""
        job = self.flow.ready_to_resume(in_hand)
        if job is None:
            return None
        step = await self.flow.print_in_hand(job, queue)
        return self._from_step(step, ScanMeaning(ScanKind.COMMAND, "", job))

    @staticmethod
    def _from_step(step: Step, meaning: ScanMeaning) -> ScanOutcome:
        return ScanOutcome(step.ok, step.message, meaning, select=step.select,
                           clear=step.clear)

    async def _act(self, meaning: ScanMeaning, queue: QueueOrder, confirmed: bool,
                   replace: bool, saved: Saved | None = None) -> ScanOutcome:
        kind, job = meaning.kind, meaning.job
        if kind is ScanKind.IGNORED:
            return ScanOutcome(True, "", meaning)
        if kind is ScanKind.COMMAND:
            return await self._command(meaning, queue, confirmed, replace)
        if kind is ScanKind.BADGE:
            return self._badge(meaning)
        if kind in (ScanKind.REFUSED, ScanKind.WRONG_VOUCHER):
            return ScanOutcome(False, meaning.message, meaning)
        assert job is not None
        if kind is ScanKind.VERIFY_VOUCHER:
            checked = self.verified.setdefault(job.id, set())
            checked.add(meaning.voucher_id or 0)
            done = len(checked & {v.id for v in job.vouchers})
            total = len(job.vouchers)
            message = (f"All {total} vouchers checked" if done == total
                       else f"{meaning.message} ({done} of {total})")
            return ScanOutcome(True, message, meaning, select=job)
        if kind is ScanKind.SELECT_JOB:
            holder = await self.jobs.hold(job, take_over=confirmed)
            if holder is not None:  # another bench of the site has it in hand
                question = (f"Order {job.order_reference} is in hand at {holder.station} "
                            f"(since {holder.since.astimezone():%H:%M}). Take it over here?")
                return ScanOutcome(False, question, meaning, confirm=question)
            before = self._in_hand
            if before is not None and before.id != job.id \
                    and before.id not in self.flow.packed:
                await self.jobs.release(before)  # put down: any bench may take it
            self.flow.paused = False
            self.flow.hand_changed(job)
            if self.settings().print_on_select and self.jobs.printer() is not None \
                    and job.status == "pending":
                return self._from_step(await self.flow.print_in_hand(job, queue), meaning)
            return ScanOutcome(True, meaning.message, meaning, select=job)
        # DISPATCH
        if meaning.confirm and not confirmed:
            return ScanOutcome(False, meaning.confirm, meaning, confirm=meaning.confirm)
        return await self._dispatch(meaning, job, meaning.reference, queue, replace, saved)

    async def _dispatch(self, meaning: ScanMeaning, job: Job, reference: str | None,
                        queue: QueueOrder, replace: bool, ready: Saved | None = None
                        ) -> ScanOutcome:
        saved = ready or await self.jobs.save(job, reference, replace)
        if saved.refused is not None:
            refused = saved.refused
            return ScanOutcome(False, refused.message, meaning, confirm=refused.ask,
                               replace=refused.replace)
        # Saved: its PUT goes on the wire first; then the next job's print goes to the
        # spooler while Smart Gift answers (CUPS spends none of the key's requests). A
        # refusal that comes back un-packs the job (the window's sending_event).
        written = saved.early.written if saved.early is not None else asyncio.Event()
        sending = asyncio.ensure_future(self.jobs.sending(job, reference, saved, written))
        self.last_dispatched = job
        try:
            await _first_of(written, sending, SEND_FIRST)
            step = await self.flow.after_dispatch(job, queue)
        finally:
            sent = await sending  # bounded: SEND_FIRST
        said = f"{meaning.message} · {sent.message}" if reference else sent.message
        return ScanOutcome(sent.ok and step.ok,
                           f"{said}. {step.message}" if step.message else said, meaning,
                           select=step.select, dispatched=True, clear=step.clear)

    async def book(self, job: Job, slot: Slot | None, queue: QueueOrder | None = None, *,
                   again: bool = False, replace: bool = False) -> ScanOutcome:
        """BOOK: ``job`` booked with the courier (``slot``, or the earliest when so set, or
        the slots to choose from), dispatched, and the next job put in hand."""
        meaning = ScanMeaning(ScanKind.COMMAND, "", job, command=Command.BOOK)
        if self.courier is None:
            return ScanOutcome(False, "No courier is set up at this station.", meaning)
        step = await booking.book(self.courier(), job, slot, again=again, replace=replace,
                                  earliest=self.settings().courier.book_earliest)
        if not step.dispatched:
            return ScanOutcome(step.ok, step.message, meaning, confirm=step.confirm,
                               replace=step.replace,
                               choose_slot=job if step.choose_slot else None,
                               offered=step.offered, again=step.again)
        self.last_dispatched = job
        after = await self.flow.after_dispatch(job, queue or _NoQueue())
        return ScanOutcome(step.ok and after.ok,
                           f"{step.message}. {after.message}".rstrip(". ") + ".",
                           meaning, select=after.select, dispatched=True, clear=after.clear)

    async def _replace(self, job: Job, meaning: ScanMeaning, confirmed: bool) -> ScanOutcome:
        """WRONG LABEL was scanned: this scan is the right label of the last dispatch."""
        if meaning.kind is not ScanKind.DISPATCH or meaning.reference is None:
            return ScanOutcome(False, f"{meaning.message} (still waiting for the right label "
                                      f"of order {job.order_reference})", meaning)
        if not confirmed:
            question = meaning.confirm + (
                f" Replace the tracking reference of order {job.order_reference} with "
                f"{meaning.reference}?")
            question = question.strip()
            return ScanOutcome(False, question, meaning, confirm=question, replace=True)
        saved = await self.jobs.dispatch(job, meaning.reference, replace=True)
        if saved.ok:
            self.replacing = None
        return ScanOutcome(saved.ok, f"Corrected: {saved.message}", meaning)

    def _badge(self, meaning: ScanMeaning) -> ScanOutcome:
        packer = meaning.packer
        if packer is None or self.sign_in is None:
            return ScanOutcome(False, "That badge is on no packer of this station's list "
                                      "(Station > Packers).", meaning)
        before = self.sign_in.packer
        self.sign_in.sign_in(packer)
        waiting = (f" Still waiting for the right label of order "
                   f"{self.replacing.order_reference}." if self.replacing is not None else "")
        if before is not None and before != packer:
            return ScanOutcome(True, f"{packer.name} is packing now (was {before.name})."
                                     + waiting, meaning)
        return ScanOutcome(True, f"{packer.name} signed in at {self.sign_in.station}."
                                 + waiting, meaning)

    async def _command(self, meaning: ScanMeaning, queue: QueueOrder, confirmed: bool,
                       replace: bool = False) -> ScanOutcome:
        command, job = meaning.command, meaning.job
        if command is Command.START:
            return self._from_step(await self.flow.start(job, queue), meaning)
        if command is Command.PAUSE:
            self.replacing = None
            if job is not None:
                await self.jobs.release(job)  # nothing in hand here: any bench may take it
            return self._from_step(self.flow.pause(), meaning)
        if command is Command.SKIP:
            return self._from_step(await self.flow.skip(job, queue), meaning)
        if command is Command.REPRINT:
            return self._from_step(await self.flow.reprint(job), meaning)
        if command is Command.WRONG_LABEL:
            last = self.last_dispatched
            if last is None:
                return ScanOutcome(False, "No job has been dispatched at this station yet.",
                                   meaning)
            self.replacing = last
            return ScanOutcome(True, f"Scan the right label for order {last.order_reference}: "
                                     "it replaces the reference it was dispatched with.",
                               meaning)
        if job is None:
            return ScanOutcome(False, "No job in hand: scan START or an order first.", meaning)
        if command is Command.BOOK:
            return await self.book(job, None, queue, again=confirmed and not replace,
                                   replace=replace)
        if command is Command.LABEL:
            printed = await self.jobs.print_now(job, label=True)
            return ScanOutcome(printed.ok, f"Order {job.order_reference}: {printed.message}",
                               meaning)
        # DISPATCHED: the untracked methods' dispatch, with no reference.
        method = self.method(job.delivery_method_name)
        if method.courier:
            return ScanOutcome(False, f"Order {job.order_reference} goes by the courier: scan "
                                      f"{barcode(Command.BOOK)} (or press Ctrl+K) to book and "
                                      "dispatch it.", meaning)
        if method.tracking is not Tracking.UNTRACKED:
            return ScanOutcome(False, f"Order {job.order_reference} goes by {method.describe()}: "
                                      "scan its tracking reference instead.", meaning)
        if job.status != "pending":
            return ScanOutcome(False, f"Order {job.order_reference} is already {job.status}.",
                               meaning)
        return await self._dispatch(meaning, job, None, queue, False)
