"""A small OpenAI-compatible server on 127.0.0.1: records every request, echoes the last chat
message (or the raw prompt reversed), and can fail its first requests or answer slowly."""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Server:
    def __init__(self, fail_first=0, status=503, delay=0.0, delays=None):
        self.requests, self.fail_first, self.status, self.delay = [], fail_first, status, delay
        self.authorizations = []  # each request's Authorization header
        self.delays = delays or {}  # last message content -> its own delay
        self.in_flight = self.max_in_flight = self.answered = 0
        self.lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                with outer.lock:
                    outer.requests.append((self.path, body))
                    outer.authorizations.append(self.headers.get("Authorization"))
                    failing = len(outer.requests) <= outer.fail_first
                    outer.in_flight += 1
                    outer.max_in_flight = max(outer.max_in_flight, outer.in_flight)
                content = (body.get("messages") or [{}])[-1].get("content")
                time.sleep(outer.delays.get(content, outer.delay))
                with outer.lock:
                    outer.in_flight -= 1
                if failing:
                    self.send_response(outer.status)
                    self.end_headers()
                    self.wfile.write(b"busy")
                    return
                payload = json.dumps(outer.answer(self.path, body)).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
                self.wfile.flush()
                with outer.lock:
                    outer.answered += 1

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def answer(self, path, body):
        if path == "/v1/completions":
            logprobs = {"tokens": ["a"], "top_logprobs": [{"a": -0.5, "b": -1.5}]}
            choice = {"text": body["prompt"][::-1], "finish_reason": "length", "logprobs": logprobs}
        else:
            echo = body["messages"][-1]["content"]
            choice = {
                "message": {"role": "assistant", "content": f"echo {echo}"},
                "finish_reason": "stop",
                "logprobs": {"content": [{"token": "echo", "logprob": -0.25,
                                          "top_logprobs": [{"token": "echo", "logprob": -0.25},
                                                           {"token": "1", "logprob": -2.0}]}]},
            }  # fmt: skip
        return {"choices": [choice], "usage": {"prompt_tokens": 11, "completion_tokens": 3}}

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()
