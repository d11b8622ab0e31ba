"""A polite web fetcher: httpx with bounded concurrency overall and per host, a pause between
requests to one host, timeouts, retries with backoff on transient failures, robots.txt obeyed,
and an on-disk cache so that a rerun (or a resumed run) asks no server twice.

The cache holds one gzip JSON file per URL (`<cache>/<sha256[:2]>/<sha256>.json.gz`), written
whole or not at all. Successes and permanent failures (4xx, robots, non-HTML) are cached;
transient failures (timeouts, 5xx after the retries) are not, so a later run tries again.
"""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import json
import time
import urllib.robotparser
from dataclasses import asdict, dataclass
from pathlib import Path
from urllib.parse import urlsplit

from bright_eval.atomic import atomic_write_text

USER_AGENT = "bright-eval-distill/0.1 (research data collection; respects robots.txt)"
RETRY_STATUS = {408, 425, 429, 500, 502, 503, 504}
HTML_TYPES = ("text/html", "application/xhtml+xml")
MAX_BYTES = 5_000_000


@dataclass(frozen=True)
class FetchSettings:
    concurrency: int = 16  # requests in flight overall
    per_host: int = 2  # requests in flight to one host
    host_delay_s: float = 1.0  # pause between two requests to the same host
    timeout_s: float = 20.0
    retries: int = 2
    backoff_s: float = 1.0
    user_agent: str = USER_AGENT


@dataclass
class Page:
    url: str
    status: str  # "ok", "http-404", "robots", "not-html", "too-large", "error: ..."
    final_url: str = ""
    content_type: str = ""
    html: str = ""

    @property
    def ok(self) -> bool:
        return self.status == "ok"


def cache_file(cache: Path, url: str) -> Path:
    key = hashlib.sha256(url.encode("utf-8")).hexdigest()
    return cache / key[:2] / f"{key}.json.gz"


def cached(cache: Path, url: str) -> Page | None:
    file = cache_file(cache, url)
    if not file.is_file():
        return None
    return Page(**json.loads(gzip.decompress(file.read_bytes())))


def transient(page: Page) -> bool:
    return page.status.startswith("error") or page.status in {f"http-{s}" for s in RETRY_STATUS}


class Fetcher:
    def __init__(self, cache: Path, settings: FetchSettings | None = None):
        self.cache = Path(cache)
        self.settings = settings or FetchSettings()
        self.robots: dict[str, urllib.robotparser.RobotFileParser] = {}
        self.robots_lock: dict[str, asyncio.Lock] = {}
        self.host_slots: dict[str, asyncio.Semaphore] = {}
        self.host_last: dict[str, float] = {}
        self.host_delay: dict[str, float] = {}  # a robots.txt Crawl-delay longer than ours

    def fetch_all(self, urls: list[str]) -> dict[str, Page]:
        return asyncio.run(self._fetch_all(list(dict.fromkeys(urls))))

    async def _fetch_all(self, urls: list[str]) -> dict[str, Page]:
        import httpx

        s = self.settings
        limits = httpx.Limits(max_connections=s.concurrency)
        headers = {"User-Agent": s.user_agent}
        self.slots = asyncio.Semaphore(s.concurrency)
        async with httpx.AsyncClient(
            timeout=s.timeout_s, limits=limits, headers=headers, follow_redirects=True
        ) as client:
            pages = await asyncio.gather(*(self._one(client, u) for u in urls))
        return dict(zip(urls, pages, strict=True))

    async def _one(self, client, url: str) -> Page:
        found = cached(self.cache, url)
        if found is not None:
            return found
        if urlsplit(url).scheme not in ("http", "https"):
            return Page(url, "error: not an http(s) URL")
        async with self.slots:
            if not await self._allowed(client, url):
                page = Page(url, "robots")
            else:
                page = await self._get(client, url)
        if not transient(page):
            # `.gz`: written gzip-compressed, whole or not at all.
            atomic_write_text(cache_file(self.cache, url), json.dumps(asdict(page)))
        return page

    async def _host_turn(self, host: str) -> asyncio.Semaphore:
        slot = self.host_slots.setdefault(host, asyncio.Semaphore(self.settings.per_host))
        await slot.acquire()
        delay = max(self.settings.host_delay_s, self.host_delay.get(host, 0.0))
        wait = self.host_last.get(host, 0.0) + delay - time.monotonic()
        if wait > 0:
            await asyncio.sleep(wait)
        self.host_last[host] = time.monotonic()
        return slot

    async def _allowed(self, client, url: str) -> bool:
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        async with self.robots_lock.setdefault(origin, asyncio.Lock()):
            if origin not in self.robots:
                self.robots[origin] = await self._robots(client, origin, parts.netloc)
                crawl_delay = self.robots[origin].crawl_delay(self.settings.user_agent)
                if crawl_delay:
                    self.host_delay[parts.netloc] = float(crawl_delay)
        return self.robots[origin].can_fetch(self.settings.user_agent, url)

    async def _robots(self, client, origin: str, host: str) -> urllib.robotparser.RobotFileParser:
        parser = urllib.robotparser.RobotFileParser(origin + "/robots.txt")
        slot = await self._host_turn(host)
        try:
            response = await client.get(origin + "/robots.txt")
            status, text = response.status_code, response.text
        except Exception:  # noqa: BLE001 - an unreachable robots.txt: treat as absent
            status, text = 404, ""
        finally:
            slot.release()
        # As urllib.robotparser.read() does: 401/403 forbid everything, other errors allow all.
        if status in (401, 403):
            parser.disallow_all = True
        elif status >= 400:
            parser.allow_all = True
        else:
            parser.parse(text.splitlines())
        return parser

    async def _get(self, client, url: str) -> Page:
        import httpx

        s = self.settings
        page = Page(url, "error: not tried")
        for attempt in range(s.retries + 1):
            if attempt:
                await asyncio.sleep(s.backoff_s * 2 ** (attempt - 1))
            slot = await self._host_turn(urlsplit(url).netloc)
            try:
                page = await self._request(client, url)
            except httpx.HTTPError as err:
                page = Page(url, f"error: {type(err).__name__}")
            finally:
                slot.release()
            if not transient(page):
                return page
        return page

    async def _request(self, client, url: str) -> Page:
        async with client.stream("GET", url) as response:
            kind = response.headers.get("content-type", "").split(";")[0].strip().lower()
            if response.status_code != 200:
                return Page(url, f"http-{response.status_code}", str(response.url), kind)
            if kind not in HTML_TYPES:
                return Page(url, "not-html", str(response.url), kind)
            body = b""
            async for chunk in response.aiter_bytes():
                body += chunk
                if len(body) > MAX_BYTES:
                    return Page(url, "too-large", str(response.url), kind)
            encoding = response.encoding or "utf-8"
            return Page(url, "ok", str(response.url), kind, body.decode(encoding, "replace"))
