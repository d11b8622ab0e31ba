"""The OpenAI-compatible backend against a small server on 127.0.0.1 (tests/openai_server.py)."""

import pytest

from bright_eval.rerank.backends import GenerationParams, get_backend
from bright_eval.rerank.backends.openai_backend import ServerError
from tests.openai_server import Server


def chat(text):
    return [{"role": "user", "content": text}]


def test_chat_requests_carry_the_decoding_settings_and_answers_are_read(server):
    kwargs = {"date_string": "26 Jul 2024"}
    backend = get_backend("openai", "meta-llama/Llama-3.2-3B-Instruct", adapter="interank",
                          base_url=server.url, chat_template_kwargs=kwargs)  # fmt: skip
    params = GenerationParams(max_new_tokens=1024, stop=(" ##",), top_logprobs=5)
    out = backend.generate([chat("q1"), chat("q2"), "raw"], params)
    assert [g.text for g in out] == ["echo q1", "echo q2", "war"]
    assert (out[0].prompt_tokens, out[0].generated_tokens, out[0].finish_reason) == (11, 3, "stop")
    assert out[0].tokens == ["echo"] and out[0].token_logprobs == [{"echo": -0.25, "1": -2.0}]
    assert out[2].token_logprobs == [{"a": -0.5, "b": -1.5}]
    bodies = {b.get("prompt") or b["messages"][0]["content"]: (p, b) for p, b in server.requests}
    path, body = bodies["q1"]
    assert path == "/v1/chat/completions"
    assert body == {
        "model": "interank",  # an adapter is served under its own model name
        "max_tokens": 1024, "temperature": 0.0, "top_p": 1.0, "seed": 0, "stop": [" ##"],
        "messages": chat("q1"), "chat_template_kwargs": {"date_string": "26 Jul 2024"},
        "logprobs": True, "top_logprobs": 5,
    }  # fmt: skip
    assert bodies["raw"][0] == "/v1/completions" and bodies["raw"][1]["logprobs"] == 5
    lp = backend.next_token_logprobs([chat("x")], ["1", "2"])
    assert lp == [{"1": -2.0, "2": float("-inf")}]


def test_transient_failures_are_retried_and_permanent_ones_name_the_status():
    server = Server(fail_first=2, status=503)
    try:
        backend = get_backend("openai", "m", base_url=server.url, backoff_s=0.01)
        assert backend.generate([chat("q")], GenerationParams())[0].text == "echo q"
        assert len(server.requests) == 3  # two 503s, then the answer
    finally:
        server.close()
    server = Server(fail_first=1, status=400)
    try:
        backend = get_backend("openai", "m", base_url=server.url, backoff_s=0.01)
        with pytest.raises(ServerError, match=r"/v1/chat/completions: HTTP 400: busy"):
            backend.generate([chat("q")], GenerationParams())
        assert len(server.requests) == 1  # a client error is not retried
    finally:
        server.close()


def test_no_more_requests_in_flight_than_the_concurrency_bound():
    server = Server(delay=0.05)
    try:
        backend = get_backend("openai", "m", base_url=server.url, concurrency=3)
        out = backend.generate([chat(str(i)) for i in range(12)], GenerationParams())
        assert [g.text for g in out] == [f"echo {i}" for i in range(12)]  # order kept
        assert server.max_in_flight == 3
    finally:
        server.close()
