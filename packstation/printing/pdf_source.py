"""Voucher PDFs ready before the packer is: cached on disk, prefetched in the background.

Only checked PDFs are cached, so an HTML error page can never be printed
later from the cache. A PDF the service has not generated yet (it takes up
to 300 s) is retried with backoff, and the time it has been waited for is
known so the window can say "PDF being generated (1 min 20 s)".
"""

from __future__ import annotations

import asyncio
import heapq
import logging
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from packstation.api import Job, PdfNotReady, Priority, SmartGiftClient
from packstation.background import Repeating
from packstation.printing.pdfcheck import CheckedPdf, check_pdf, merge_pdfs
from packstation.store.pdf_cache import PdfCache

if TYPE_CHECKING:
    from packstation.store.site_pdfs import SitePdfCache

log = logging.getLogger(__name__)

GENERATION_LIMIT = 330.0  # the service promises 300 s; a little slack before giving up
_FIRST_RETRY, _MAX_RETRY = 5.0, 60.0
READY_BYTES = 64 * 1024 * 1024  # merged PDFs kept checked in memory (the next few jobs)
_FOLLOW_MAX = 15.0  # longest between looks for a PDF another station fetches
_IDLE = 3600.0  # nothing queued: the loop sleeps until prefetch() wakes it


def _merged_key(job: Job) -> str:
    return "merged:" + "\n".join(v.pdf_copy or "" for v in job.vouchers)


class PdfSource:
    def __init__(self, client: SmartGiftClient, cache: PdfCache | SitePdfCache,
                 first_retry: float = _FIRST_RETRY,
                 fetch_ahead: Callable[[], bool] = lambda: True) -> None:
        self._client = client
        self._cache = cache
        # On a site, only the syncer downloads ahead; the others look in the site's store
        # (a print still downloads at once what nobody has fetched yet).
        self._fetch_ahead = fetch_ahead
        self._first_retry = first_retry
        self._waiting_since: dict[str, float] = {}
        self._failed: dict[str, str] = {}
        self._queue: list[tuple[float, int, str, float]] = []  # (due, seq, url, delay)
        self._queued: set[str] = set()
        self._seq = 0
        self._loop = Repeating(self._round, self._until_next_due, log, "voucher PDF prefetch")
        self._idle = asyncio.Event()
        self.started = False
        self._to_merge: dict[str, Job] = {}
        # What is known to be on disk: the window asks every second, and never the disk.
        self._known: set[str] = set()
        self._ready: OrderedDict[str, CheckedPdf] = OrderedDict()  # merged, checked: LRU
        self._ready_bytes = 0
        self._closed = False

    def cached(self, url: str) -> bool:
        """Known to be in the cache (memory only: safe to ask from the UI thread)."""
        return url in self._known

    async def _on_disk(self, key: str) -> bool:
        if key in self._known:
            return True
        if await asyncio.to_thread(self._cache.__contains__, key):
            self._known.add(key)
            return True
        return False

    async def cached_pdf(self, url: str) -> bytes | None:
        """A voucher's PDF if it is already here (for the preview): never downloads."""
        data = await asyncio.to_thread(self._cache.get, url)
        if data is not None:
            self._known.add(url)
        return data

    def generating_for(self, url: str) -> float | None:
        """Seconds this PDF has been waited for while the service generates it, or None."""
        since = self._waiting_since.get(url)
        return None if since is None else time.monotonic() - since

    def failure(self, url: str) -> str | None:
        return self._failed.get(url)

    def forget_failures(self) -> None:
        """Try failed PDFs again at the next prefetch (the key or the network was fixed)."""
        self._failed.clear()

    def ready(self, job: Job) -> bool:
        """Every voucher PDF of the job is here (memory only: safe from the UI thread)."""
        return all(v.pdf_copy and self.cached(v.pdf_copy) for v in job.vouchers)

    def describe(self, job: Job) -> str:
        """A packer's word on a job's PDFs: ready, being generated (for how long), or why not."""
        urls = [v.pdf_copy for v in job.vouchers]
        if not urls:
            return "no vouchers"
        if not all(urls):
            return "PDF not ready yet"
        if self.ready(job):
            return "PDFs ready"
        failures = [f for u in urls if (f := self.failure(u or ""))]
        if failures:
            return f"PDF problem: {failures[0]}"
        waits = [w for u in urls if (w := self.generating_for(u or "")) is not None]
        if waits:
            minutes, seconds = divmod(int(max(waits)), 60)
            waited = f"{minutes} min {seconds} s" if minutes else f"{seconds} s"
            return f"PDF being generated ({waited})"
        return "fetching PDFs"

    def _check(self, data: bytes) -> CheckedPdf:
        return check_pdf(data, max_pages=self._client.limits.max_voucher_pages)

    async def get(self, url: str, priority: Priority = Priority.INTERACTIVE) -> CheckedPdf:
        """From the cache, else downloaded now (a packer's print goes before the prefetch)."""
        data = await asyncio.to_thread(self._cache.get, url)
        if data is not None:
            self._known.add(url)
            return await asyncio.to_thread(self._check, data)
        try:
            data = await self._client.download_pdf(url, priority=priority)
        except PdfNotReady:
            self._waiting_since.setdefault(url, time.monotonic())
            raise
        # NotAPdf: never cached, never printed. Parsed in a worker: not on the UI's loop.
        checked = await asyncio.to_thread(self._check, data)
        await asyncio.to_thread(self._cache.put, url, data)
        self._known.add(url)
        self._waiting_since.pop(url, None)
        self._failed.pop(url, None)
        return checked

    async def for_job(self, job: Job, priority: Priority = Priority.INTERACTIVE
                      ) -> list[CheckedPdf]:
        """Every voucher PDF of a job, in voucher order."""
        missing = [v.id for v in job.vouchers if not v.pdf_copy]
        if missing:
            raise PdfNotReady(f"Job {job.id}: vouchers {missing} have no PDF link yet.")
        return [await self.get(v.pdf_copy or "", priority) for v in job.vouchers]

    async def merged_for(self, job: Job, priority: Priority = Priority.INTERACTIVE
                         ) -> CheckedPdf:
        """The job's vouchers as one PDF, merged ahead of time when prefetched.

        The ones merged or checked lately are kept in memory, checked: the next job's
        print starts while its dispatch is being sent, and parsing the PDF again (in a
        worker, but holding the GIL) would slow both."""
        key = _merged_key(job)
        kept = self._ready.get(key)
        if kept is not None:
            self._ready.move_to_end(key)
            return kept
        data = await asyncio.to_thread(self._cache.get, key)
        limit = self._client.limits.max_job_pages
        if data is not None:  # checked again: a disk can still go wrong
            checked = await asyncio.to_thread(check_pdf, data, max_pages=limit)
            self._keep(key, checked)
            return checked
        merged = await asyncio.to_thread(merge_pdfs, await self.for_job(job, priority),
                                         max_pages=limit)
        await asyncio.to_thread(self._cache.put, key, merged.data)
        self._known.add(key)
        self._keep(key, merged)
        return merged

    def _keep(self, key: str, checked: CheckedPdf) -> None:
        old = self._ready.pop(key, None)
        if old is not None:
            self._ready_bytes -= len(old.data)
        self._ready[key] = checked
        self._ready_bytes += len(checked.data)
        while self._ready_bytes > READY_BYTES and len(self._ready) > 1:
            _, dropped = self._ready.popitem(last=False)
            self._ready_bytes -= len(dropped.data)

    # -- background prefetch -----------------------------------------------------------

    def prefetch(self, jobs: Iterable[Job]) -> None:
        """Queue the PDFs of these jobs for download at background priority."""
        if self._closed:
            return
        for job in jobs:
            if job.vouchers and not self.cached(_merged_key(job)):
                self._to_merge[_merged_key(job)] = job
            for voucher in job.vouchers:
                url = voucher.pdf_copy
                if url and url not in self._queued and not self.cached(url):
                    self._schedule(url, 0.0, self._first_retry)
        self._idle.clear()
        self.started = True
        self._loop.start()
        self._loop.wake()

    def _schedule(self, url: str, after: float, delay: float) -> None:
        self._seq += 1
        heapq.heappush(self._queue, (time.monotonic() + after, self._seq, url, delay))
        self._queued.add(url)

    @property
    def pending(self) -> int:
        return len(self._queue)

    async def _merge_ready(self) -> None:
        """Merge each job whose vouchers are all here, so printing it is one file."""
        for key, job in list(self._to_merge.items()):
            if all(v.pdf_copy and self.cached(v.pdf_copy) for v in job.vouchers):
                del self._to_merge[key]
                if await self._on_disk(key):  # merged in an earlier session
                    continue
                try:
                    await self.merged_for(job, Priority.BACKGROUND)
                except Exception as exc:  # printing will merge (and report) on demand
                    log.warning("merging the PDFs of job %s ahead failed: %s", job.id, exc)

    async def _round(self) -> None:
        """Fetch every PDF that is due, then merge the jobs that became complete."""
        await self._merge_ready()
        found = False  # PDFs found on disk: merged once at the end, not per PDF
        while self._queue and self._queue[0][0] <= time.monotonic():
            _, _, url, delay = heapq.heappop(self._queue)
            self._queued.discard(url)
            if await self._on_disk(url):
                found = True
                continue
            if not self._fetch_ahead():  # the site's syncer fetches it: look again soon
                self._schedule(url, delay, min(delay * 2, _FOLLOW_MAX))
                continue
            try:
                await self.get(url, Priority.BACKGROUND)
                await self._merge_ready()
            except PdfNotReady:
                waited = self.generating_for(url) or 0.0
                if waited < GENERATION_LIMIT:
                    self._schedule(url, delay, min(delay * 2, _MAX_RETRY))
                else:
                    self._failed[url] = f"not generated after {waited:.0f} s"
            except Exception as exc:  # keep prefetching the rest, report this one
                self._failed[url] = str(exc)
                log.warning("prefetch of a voucher PDF failed: %s", exc)
        if found:
            await self._merge_ready()
        if not self._queue:
            self._idle.set()

    def _until_next_due(self) -> float:
        """Until the next retry is due (a wake from prefetch() comes sooner)."""
        if not self._queue:
            return _IDLE
        return max(0.0, self._queue[0][0] - time.monotonic())

    async def idle(self) -> None:
        """Wait until the prefetch queue is empty (for tests and the benchmark)."""
        if self.started:
            await self._idle.wait()

    async def aclose(self) -> None:
        """Stop prefetching and wait until it has stopped (nothing left to run later)."""
        self._closed = True
        await self._loop.aclose()
