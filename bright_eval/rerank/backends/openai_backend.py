"""The `openai` backend: any OpenAI-compatible server (`vllm serve`, SGLang, a hosted API).

Plain HTTP from the standard library, so nothing extra needs installing. Requests run in a
bounded thread pool (a server queues what it cannot batch; too many in flight only time out),
and transient failures (connection errors, timeouts, HTTP 408, 409, 429, 500, 502, 503, 504) are
retried with exponential backoff.
Credentials in the URL (`https://user:password@host/v1`) are sent as HTTP Basic authentication
instead of the bearer key; the URL is only ever shown without them (records, errors, hardware).
Chat prompts go to /chat/completions, where the server applies the chat template.
`generate_stream` yields each response as it arrives; its model seconds is its request's
latency (what the server spent on it, queueing included), and its hardware the server's URL.
"""

from __future__ import annotations

import base64
import json
import os
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from urllib.parse import unquote, urlsplit, urlunsplit

from bright_eval.errors import BrightEvalError
from bright_eval.provenance import SERVER_PREFIX
from bright_eval.redact import redact_url
from bright_eval.rerank.backends.base import (
    Generation,
    GenerationBackend,
    GenerationParams,
    Prompt,
)

BASE_URL_ENV = "OPENAI_BASE_URL"
API_KEY_ENV = "OPENAI_API_KEY"
DEFAULT_BASE_URL = "http://127.0.0.1:8000/v1"  # where `vllm serve` listens
RETRY_STATUS = {408, 409, 429, 500, 502, 503, 504}


class ServerError(BrightEvalError, RuntimeError):
    """The server answered with an error, or not at all after the retries (one line, exit 2)."""


class OpenAIBackend(GenerationBackend):
    name = "openai"

    def __init__(
        self,
        model: str,
        adapter: str | None = None,
        revision: str | None = None,
        chat_template_kwargs: dict | None = None,
        base_url: str | None = None,
        api_key: str | None = None,
        concurrency: int = 16,
        max_retries: int = 5,
        timeout_s: float = 600.0,
        backoff_s: float = 1.0,
    ):
        super().__init__(model, adapter, revision, chat_template_kwargs)
        given = (base_url or os.environ.get(BASE_URL_ENV) or DEFAULT_BASE_URL).rstrip("/")
        # urllib cannot connect to a host written with credentials: they go in a header.
        self.base_url, self.authorization = split_credentials(given)
        if self.authorization is None:
            self.authorization = f"Bearer {api_key or os.environ.get(API_KEY_ENV) or 'EMPTY'}"
        self.server = redact_url(given)  # how the server is named wherever it is shown
        self.concurrency = concurrency
        self.max_retries = max_retries
        self.timeout_s = timeout_s
        self.backoff_s = backoff_s
        # `vllm serve --lora-modules NAME=PATH` serves an adapter as a model named NAME.
        self.served_model = adapter or model

    def post(self, path: str, body: dict) -> dict:
        request = urllib.request.Request(
            f"{self.base_url}{path}",
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json", "Authorization": self.authorization},
        )
        for attempt in range(self.max_retries + 1):
            try:
                with urllib.request.urlopen(request, timeout=self.timeout_s) as response:
                    return json.loads(response.read())
            except urllib.error.HTTPError as err:
                if err.code not in RETRY_STATUS or attempt == self.max_retries:
                    detail = " ".join(err.read().decode(errors="replace").split())[:300]
                    raise ServerError(f"{self.server}{path}: HTTP {err.code}: {detail}") from err
            except (urllib.error.URLError, TimeoutError, ConnectionError) as err:
                if attempt == self.max_retries:
                    reason = getattr(err, "reason", err)
                    raise ServerError(
                        f"the OpenAI-compatible server at {self.server} is "
                        f"unreachable: no answer to {path} after {attempt + 1} tries ({reason}); "
                        "start it, or give its address (--base-url or $OPENAI_BASE_URL)"
                    ) from err
            time.sleep(self.backoff_s * 2**attempt)
        raise AssertionError("unreachable")

    def request_body(self, prompt: Prompt, params: GenerationParams) -> tuple[str, dict]:
        body: dict = {
            "model": self.served_model,
            "max_tokens": params.max_new_tokens,
            "temperature": params.temperature,
            "top_p": params.top_p,
            "seed": params.seed,
        }
        if params.stop:
            body["stop"] = list(params.stop)
        if isinstance(prompt, str):
            body["prompt"] = prompt
            if params.top_logprobs:
                body["logprobs"] = params.top_logprobs
            return "/completions", body
        body["messages"] = prompt
        if self.chat_template_kwargs:
            body["chat_template_kwargs"] = self.chat_template_kwargs  # a vLLM extension
        if params.top_logprobs:
            body["logprobs"] = True
            body["top_logprobs"] = params.top_logprobs
        return "/chat/completions", body

    def generate_one(self, prompt: Prompt, params: GenerationParams) -> Generation:
        path, body = self.request_body(prompt, params)
        start = time.perf_counter()
        answer = self.post(path, body)
        seconds = time.perf_counter() - start
        choice = answer["choices"][0]
        usage = answer.get("usage") or {}
        tokens, logprobs = parse_logprobs(choice.get("logprobs"))
        text = choice["message"]["content"] if "message" in choice else choice["text"]
        return Generation(
            text=text or "",
            prompt_tokens=usage.get("prompt_tokens", 0),
            generated_tokens=usage.get("completion_tokens", 0),
            finish_reason=choice.get("finish_reason") or "",
            token_logprobs=logprobs if params.top_logprobs else None,
            tokens=tokens,
            model_seconds=seconds,
        )

    def generate_stream(
        self, prompts: Sequence[Prompt], params: GenerationParams
    ) -> Iterator[tuple[int, Generation]]:
        pool = ThreadPoolExecutor(max_workers=self.concurrency)
        try:
            futures = {pool.submit(self.generate_one, p, params): i for i, p in enumerate(prompts)}
            for future in as_completed(futures):
                yield futures[future], future.result()
        finally:
            # Stopped early: drop the requests not yet sent, wait for those in flight.
            pool.shutdown(wait=True, cancel_futures=True)

    def hardware(self) -> str:
        return f"{SERVER_PREFIX}{self.server}"

    def generate(self, prompts: Sequence[Prompt], params: GenerationParams) -> list[Generation]:
        with ThreadPoolExecutor(max_workers=self.concurrency) as pool:
            return list(pool.map(lambda p: self.generate_one(p, params), prompts))

    def next_token_logprobs(
        self, prompts: Sequence[Prompt], tokens: Sequence[str]
    ) -> list[dict[str, float]]:
        # Servers return the top alternatives only; a token outside them is reported as -inf.
        params = GenerationParams(max_new_tokens=1, top_logprobs=20)
        results = []
        for g in self.generate(prompts, params):
            first = (g.token_logprobs or [{}])[0]
            results.append({t: first.get(t, float("-inf")) for t in tokens})
        return results

    def describe(self) -> dict:
        return {
            **super().describe(),
            "base_url": self.server,
            "served_model": self.served_model,
            "concurrency": self.concurrency,
        }


def split_credentials(url: str) -> tuple[str, str | None]:
    """The URL without `user:password@`, and those credentials as a Basic Authorization header
    (None when the URL has none)."""
    parts = urlsplit(url)
    if parts.username is None:
        return url, None
    pair = f"{unquote(parts.username)}:{unquote(parts.password or '')}"
    host = parts.netloc.rpartition("@")[2]
    header = "Basic " + base64.b64encode(pair.encode()).decode()
    return urlunsplit(parts._replace(netloc=host)), header


def parse_logprobs(logprobs: dict | None) -> tuple[list[str], list[dict[str, float]] | None]:
    """Tokens and per-token top alternatives from either endpoint's `logprobs` object."""
    if not logprobs:
        return [], None
    if "content" in logprobs:  # chat: [{token, logprob, top_logprobs: [{token, logprob}]}]
        steps = logprobs["content"] or []
        tokens = [s["token"] for s in steps]
        top = [{a["token"]: a["logprob"] for a in s.get("top_logprobs") or []} for s in steps]
        return tokens, top
    # completions: {tokens: [...], top_logprobs: [{token: logprob}]}
    return list(logprobs.get("tokens") or []), list(logprobs.get("top_logprobs") or [])
