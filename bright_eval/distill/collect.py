"""Stage 1, `collect`: StackExchange questions and the pages their answers link to.

Input: a site's `Posts.xml` from the StackExchange data dump (rows with PostTypeId 1 for
questions, 2 for answers; HTML bodies). For each question: id, title, body as text, tags, and
the http(s) links in its answers, the accepted answer's first, then by answer score. Pages are
fetched politely (`fetch.py`), their main text extracted with trafilatura; empty, too short and
non-HTML pages are dropped. The negative (`other_document`) is a page linked from another
question of the same site, picked with a fixed seed.
"""

from __future__ import annotations

import random
import re
import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urldefrag, urlsplit

from bright_eval.distill.fetch import Fetcher, FetchSettings, Page
from bright_eval.distill.records import DistillError

BLOCK_END = re.compile(r"</(?:p|div|li|h[1-6]|pre|blockquote|tr)>|<br\s*/?>", re.IGNORECASE)
# Links inside the network point at other posts, not at documents.
OWN_HOSTS = (
    "stackexchange.com",
    "stackoverflow.com",
    "superuser.com",
    "serverfault.com",
    "askubuntu.com",
    "mathoverflow.net",
    "stackapps.com",
)


@dataclass(frozen=True)
class CollectSettings:
    max_questions: int = 20_000  # the authors' 20K questions
    max_links: int = 5  # pages kept per question (~100K pairs from 20K questions)
    min_words: int = 50  # extracted texts shorter than this are dropped
    seed: int = 0  # picks each question's other_document


@dataclass
class Question:
    id: str
    title: str
    body: str
    tags: list[str]
    answers: list[tuple[bool, int, list[str]]] = field(default_factory=list)  # accepted, score

    def urls(self) -> list[str]:
        ordered = sorted(self.answers, key=lambda a: (not a[0], -a[1]))
        return list(dict.fromkeys(u for _, _, urls in ordered for u in urls))


def html_text(html: str) -> str:
    """The text of an HTML body: paragraphs on their own lines, other whitespace collapsed."""
    import lxml.html

    if not html.strip():
        return ""
    # Block ends become line breaks, or "end.</p><p>Next" would read "end.Next".
    html = BLOCK_END.sub("\n", html)
    lines = (
        " ".join(line.split()) for line in lxml.html.fromstring(html).text_content().split("\n")
    )
    return "\n".join(line for line in lines if line)


def external_links(html: str) -> list[str]:
    import lxml.html

    if not html.strip():
        return []
    links = []
    for href in lxml.html.fromstring(html).xpath("//a/@href"):
        url = urldefrag(href.strip())[0]
        host = urlsplit(url).hostname or ""
        if urlsplit(url).scheme in ("http", "https") and not host.endswith(OWN_HOSTS):
            links.append(url)
    return links


def parse_tags(text: str) -> list[str]:
    # Older dumps write "<a><b>", newer ones "|a|b|".
    return [t for t in text.replace("><", "|").strip("<>|").split("|") if t]


def read_posts(path: str | Path, max_questions: int) -> list[Question]:
    """Questions (in file order, at most `max_questions`) with their answers' links."""
    if not Path(path).is_file():
        raise DistillError(f"Posts.xml {str(path)!r} does not exist")
    questions: dict[str, Question] = {}
    accepted: dict[str, str] = {}
    answers: list[tuple[str, str, int, list[str]]] = []
    try:
        for _, row in ET.iterparse(path):
            if row.tag != "row":
                continue
            a = row.attrib
            if a.get("PostTypeId") == "1" and len(questions) < max_questions:
                q = Question(
                    a["Id"],
                    a.get("Title", ""),
                    html_text(a.get("Body", "")),
                    parse_tags(a.get("Tags", "")),
                )
                questions[q.id] = q
                if a.get("AcceptedAnswerId"):
                    accepted[q.id] = a["AcceptedAnswerId"]
            elif a.get("PostTypeId") == "2":
                links = external_links(a.get("Body", ""))
                if links:
                    answers.append((a.get("ParentId", ""), a["Id"], int(a.get("Score", 0)), links))
            row.clear()
    except ET.ParseError as err:
        raise DistillError(f"{path}: not a StackExchange Posts.xml ({err})") from err
    if not questions:  # e.g. another file of the dump (Comments.xml, Users.xml)
        raise DistillError(
            f'{path}: no questions (rows with PostTypeId="1"); give a StackExchange dump\'s '
            "Posts.xml"
        )
    for parent, answer_id, score, links in answers:
        if parent in questions:
            questions[parent].answers.append((accepted.get(parent) == answer_id, score, links))
    return list(questions.values())


def extract(page: Page, min_words: int) -> tuple[str | None, str]:
    """(main text or None, why it was dropped or "kept")."""
    import trafilatura

    if not page.ok:
        return None, page.status.split(":")[0]
    text = trafilatura.extract(page.html, include_comments=False, include_tables=True)
    if not text:
        return None, "empty"
    if len(text.split()) < min_words:
        return None, "too-short"
    return text, "kept"


def collect(
    posts: str | Path, fetch_cache: Path, settings: CollectSettings, fetch: FetchSettings
) -> tuple[list[dict], Counter]:
    """train.jsonl records (questions with at least one kept page) and what happened to pages."""
    questions = read_posts(posts, settings.max_questions)
    urls = [u for q in questions for u in q.urls()]
    pages = Fetcher(fetch_cache, fetch).fetch_all(urls)
    outcome: Counter = Counter()
    texts: dict[str, str] = {}
    for url, page in pages.items():
        text, why = extract(page, settings.min_words)
        outcome[why] += 1
        if text is not None:
            texts[url] = text
    records = []
    for q in questions:
        kept = [u for u in q.urls() if u in texts][: settings.max_links]
        if kept:
            question = {"title": q.title, "body": q.body, "tags": q.tags}
            links = [{"url": u, "text": texts[u]} for u in kept]
            records.append({"id": q.id, "question": question, "links": links})
    if not records:
        raise DistillError(
            f"none of the {len(questions)} questions kept a page ({dict(outcome)}): nothing to "
            "write (a rerun retries transient failures)"
        )
    add_negatives(records, settings.seed)
    outcome["questions"] = len(records)
    outcome["pairs"] = sum(len(r["links"]) + ("other_document" in r) for r in records)
    return records, outcome


def add_negatives(records: list[dict], seed: int) -> None:
    """Each question's `other_document`: a page linked from a different question."""
    rng = random.Random(seed)
    if len(records) < 2:
        return
    for i, record in enumerate(records):
        own = {link["url"] for link in record["links"]}
        j = rng.choice([k for k in range(len(records)) if k != i])
        choices = [link for link in records[j]["links"] if link["url"] not in own]
        if choices:
            link = rng.choice(choices)
            record["other_document"] = {
                "url": link["url"],
                "text": link["text"],
                "from_question": records[j]["id"],
            }
