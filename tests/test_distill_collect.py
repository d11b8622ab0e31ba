"""`distill collect` on a small Posts.xml, fetching from a loopback web server: real-text HTML
pages, a too-short page, a 404, a page slower than the timeout, a PDF and a robots.txt rule."""

import itertools
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from bright_eval.cli import main
from bright_eval.distill.trainset import read_jsonl

DATA = Path(__file__).parent / "data" / "distill"


class Site:
    """Serves tests/data/distill/pages.json through page.html; counts requests per path and the
    most requests it ever had in flight at once."""

    def __init__(self, slow_s=1.5, page_s=0.2, crawl_delay=None):
        template = (DATA / "page.html").read_text()
        pages = json.loads((DATA / "pages.json").read_text())
        self.pages = {
            f"/{name}": template.format(
                title=title, paragraphs="\n".join(f"<p>{p}</p>" for p in paragraphs)
            )
            for name, (title, paragraphs) in pages.items()
        }
        self.requests, self.in_flight, self.max_in_flight, self.starts = [], 0, 0, []
        lock, site = threading.Lock(), self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def send(self, status, kind, body):
                data = body.encode()
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                # The slow page is left out of the in-flight count: the client hangs up at its
                # timeout and moves on while this handler still sleeps.
                counted = self.path != "/slow"
                with lock:
                    site.starts.append(time.monotonic())
                    site.requests.append(self.path)
                    site.in_flight += counted
                    site.max_in_flight = max(site.max_in_flight, site.in_flight)
                try:
                    if self.path == "/robots.txt":
                        rules = "User-agent: *\nDisallow: /private/\n"
                        if crawl_delay:
                            rules += f"Crawl-delay: {crawl_delay}\n"
                        self.send(200, "text/plain", rules)
                    elif self.path == "/slow":
                        time.sleep(slow_s)
                        self.send(200, "text/html", site.pages["/sky"])
                    elif self.path == "/paper.pdf":
                        self.send(200, "application/pdf", "%PDF-1.4 not a web page")
                    elif self.path in site.pages:
                        time.sleep(page_s)  # long enough for requests to overlap if allowed
                        self.send(200, "text/html; charset=utf-8", site.pages[self.path])
                    else:
                        self.send(404, "text/html", "<html><body>Not found</body></html>")
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up on the slow page
                finally:
                    with lock:
                        site.in_flight -= counted

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def site():
    s = Site()
    yield s
    s.close()


def run_collect(tmp_path, site, *extra):
    posts = tmp_path / "Posts.xml"
    posts.write_text((DATA / "Posts.xml").read_text().replace("http://pages.test", site.url))
    argv = ["distill", "collect", "--posts", str(posts), "--out", str(tmp_path / "train.jsonl"),
            "--per-host", "1", "--host-delay", "0", "--timeout", "0.5", "--retries", "1",
            "--no-progress", *extra]  # fmt: skip
    return main(argv)


@pytest.mark.slow
def test_collect_questions_and_their_pages(tmp_path):
    site = Site(crawl_delay=1)
    try:
        assert run_collect(tmp_path, site) == 0
    finally:
        site.close()
    records = list(read_jsonl(tmp_path / "train.jsonl"))
    # Question 8 has no answer and question 1's other pages fail: three questions remain.
    assert [r["id"] for r in records] == ["1", "4", "6"]
    sky = records[0]
    assert sky["question"] == {"title": "Why is the sky blue?",
                               "body": "During the day the sky looks blue. Why not violet?",
                               "tags": ["optics", "atmosphere"]}  # fmt: skip
    assert records[1]["question"]["tags"] == ["botany", "palms"]  # the newer "|a|b|" form
    assert [link["url"] for r in records for link in r["links"]] == [
        f"{site.url}/sky", f"{site.url}/coconut", f"{site.url}/photosynthesis"]  # fmt: skip
    text = sky["links"][0]["text"]
    assert "inverse fourth power of the wavelength" in text  # the article is kept ...
    assert "All rights reserved" not in text and "About us" not in text  # ... not its frame
    # The negative comes from another question of the same site.
    for r in records:
        other = r["other_document"]
        assert other["from_question"] != r["id"]
        assert other["url"] not in {link["url"] for link in r["links"]}
    counts = json.loads((tmp_path / "train.jsonl.record.json").read_text())["counts"]
    # accepted answer's /sky first, then /short and /missing (score 10); the stackexchange
    # link is not a document. /slow times out twice (one retry), /private/ is robots-blocked.
    assert counts == {"kept": 3, "too-short": 1, "http-404": 1, "error": 1, "not-html": 1,
                      "robots": 1, "questions": 3, "pairs": 6}  # fmt: skip
    assert "/private/notes" not in site.requests and site.requests.count("/slow") == 2
    assert site.max_in_flight == 1  # --per-host 1, and every page is on one host
    # robots.txt's Crawl-delay (1 s; urllib reads whole seconds) spaces the requests, though
    # --host-delay is 0: robots.txt, 6 pages and a retry.
    # (Arrival times at the server jitter by tens of milliseconds around the client's turns.)
    gaps = [b - a for a, b in itertools.pairwise(site.starts)]
    assert len(gaps) == 8 and min(gaps) >= 0.8


@pytest.mark.slow
def test_a_second_run_asks_the_server_only_for_what_failed_transiently(tmp_path, site):
    assert run_collect(tmp_path, site) == 0
    first = list(read_jsonl(tmp_path / "train.jsonl"))
    site.requests.clear()
    assert run_collect(tmp_path, site, "--force") == 0
    # Everything was cached except the timed-out page (a transient failure), tried again.
    assert sorted(set(site.requests)) == ["/robots.txt", "/slow"]
    assert list(read_jsonl(tmp_path / "train.jsonl")) == first


@pytest.mark.slow
def test_an_up_to_date_output_is_not_redone(tmp_path, site, capsys):
    assert run_collect(tmp_path, site) == 0
    site.requests.clear()
    assert run_collect(tmp_path, site) == 0
    assert site.requests == [] and "is up to date" in capsys.readouterr().out


def test_bad_input_is_one_line(tmp_path, capsys):
    (tmp_path / "Posts.xml").write_text("<posts><row Id='1'")
    argv = ["distill", "collect", "--posts", str(tmp_path / "Posts.xml"), "--out",
            str(tmp_path / "t.jsonl"), "--no-progress"]  # fmt: skip
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "not a StackExchange Posts.xml" in err and err.count("\n") == 1
    assert main([*argv[:-1], "--set", "max_link=3", "--no-progress"]) == 2
    assert "--set 'max_link=3': expected KEY=VALUE with KEY one of" in capsys.readouterr().err


def test_no_page_kept_is_a_refusal_not_an_empty_file(tmp_path, site, capsys):
    # One question whose only link is a 404: nothing to write.
    (tmp_path / "Posts.xml").write_text(
        '<posts><row Id="1" PostTypeId="1" Title="Why?" Body="" />'
        f'<row Id="2" PostTypeId="2" ParentId="1" Body="&lt;a href=&quot;{site.url}/gone&quot;'
        '&gt;x&lt;/a&gt;" /></posts>'
    )
    argv = ["distill", "collect", "--posts", str(tmp_path / "Posts.xml"), "--out",
            str(tmp_path / "t.jsonl"), "--host-delay", "0", "--no-progress"]  # fmt: skip
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err == (
        "error: none of the 1 questions kept a page ({'http-404': 1}): nothing to write (a rerun "
        "retries transient failures)\n"
    )
    assert not (tmp_path / "t.jsonl").exists()
