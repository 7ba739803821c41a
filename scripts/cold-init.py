#!/usr/bin/env python3
"""Cold-init time of the Lambda bootstrap binaries, measured the way Lambda reports "Init
Duration": from starting the process to its first poll of the Runtime API for an event.

Each binary is started against a minimal Runtime API on loopback (only `GET
/2018-06-01/runtime/invocation/next` is needed: the first call ends the measurement and the
process is killed), with the configuration a deployed function has, pointed at addresses that
are never called during init. Nothing leaves the machine.

    scripts/cold-init.py --bin-dir target/release [--runs 30]

Prints min / median / max in milliseconds per binary. Run it on a quiet machine; compare two
builds by running it on both.
"""

import argparse
import http.server
import os
import statistics
import subprocess
import sys
import threading
import time

POLL_PATH = "/2018-06-01/runtime/invocation/next"

COMMON = {
    "AWS_REGION": "us-east-1",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256",
    "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
    "AWS_LAMBDA_LOG_STREAM_NAME": "cold-init",
    "AWS_LAMBDA_LOG_GROUP_NAME": "cold-init",
    "RUST_LOG": "error",
}

QUEUE = "https://sqs.us-east-1.amazonaws.com/123456789012/hubspot-sync.fifo"

FUNCTIONS = {
    "receipt": {"QUEUE_URL": QUEUE, "HUBSPOT_CLIENT_SECRET": "cold-init-secret"},
    "processor": {
        "PARTNER_CENTRAL_CATALOG": "Sandbox",
        "HUBSPOT_ACCESS_TOKEN": "cold-init-token",
    },
    "reprocess-dlq": {
        "QUEUE_URL": QUEUE,
        "DLQ_URL": QUEUE.replace(".fifo", "-dlq.fifo"),
    },
}


class RuntimeApi(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), Handler)
        self.polled = threading.Event()
        self.polled_at = 0.0


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 (the stdlib's naming)
        if self.path == POLL_PATH and not self.server.polled.is_set():
            self.server.polled_at = time.perf_counter()
            self.server.polled.set()
        # Never answer: the process is killed once it has polled.
        time.sleep(30)

    def do_POST(self):  # noqa: N802 — an init error: report it, end the run
        length = int(self.headers.get("content-length", 0))
        sys.stderr.write(f"init error: {self.rfile.read(length)!r}\n")
        self.server.polled_at = float("nan")
        self.server.polled.set()
        self.send_response(202)
        self.end_headers()

    def log_message(self, *args):
        pass


def measure(binary, env, runs):
    samples = []
    for _ in range(runs):
        api = RuntimeApi()
        threading.Thread(target=api.serve_forever, daemon=True).start()
        full_env = {"PATH": os.environ.get("PATH", ""), **COMMON, **env}
        full_env["AWS_LAMBDA_RUNTIME_API"] = f"127.0.0.1:{api.server_address[1]}"
        full_env["AWS_LAMBDA_FUNCTION_NAME"] = os.path.basename(binary)
        started = time.perf_counter()
        process = subprocess.Popen(
            [binary], env=full_env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        if not api.polled.wait(20):
            process.kill()
            sys.exit(f"{binary} did not poll the Runtime API within 20 s")
        samples.append((api.polled_at - started) * 1000)
        process.kill()
        process.wait()
        api.shutdown()
        api.server_close()
    return samples


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bin-dir", required=True)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    print(f"{'function':<14} {'min ms':>8} {'median ms':>10} {'max ms':>8}  ({args.runs} runs)")
    for name, env in FUNCTIONS.items():
        samples = measure(os.path.join(args.bin_dir, name), env, args.runs)
        if any(s != s for s in samples):  # NaN: an init error was reported
            sys.exit(f"{name} reported an init error")
        print(
            f"{name:<14} {min(samples):>8.1f} {statistics.median(samples):>10.1f} "
            f"{max(samples):>8.1f}"
        )


if __name__ == "__main__":
    main()
