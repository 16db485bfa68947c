#!/usr/bin/env python3
"""A stand-in MLflow server that fails mid-run, for tests/cli/test_cli_mlflow.cpp: it answers
experiments/get-by-name and runs/create as MLflow does and accepts the first N runs/log-batch
calls, then answers every request with HTTP 500. Prints its port, then serves until killed.

    flaky_mlflow.py N
"""
import json
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer

ACCEPTED = int(sys.argv[1])
batches = 0


class Handler(BaseHTTPRequestHandler):
    def answer(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        global batches
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if "experiments/get-by-name" in self.path:
            return self.answer(200, {"experiment": {"experiment_id": "7"}})
        if self.path.endswith("runs/create"):
            return self.answer(200, {"run": {"info": {"run_id": "abc123"}}})
        if self.path.endswith("runs/log-batch") and batches < ACCEPTED:
            batches += 1
            return self.answer(200, {})
        return self.answer(500, {"error_code": "INTERNAL_ERROR", "message": "the server broke"})

    do_PUT = do_POST
    do_GET = do_POST

    def log_message(self, *args):
        pass


server = HTTPServer(("127.0.0.1", 0), Handler)
print(server.server_port, flush=True)
server.serve_forever()
