#!/usr/bin/python3
"""Load test of a running `oml serve` with a real client (Python's http.client, one connection per
client thread, keep-alive). Each client posts image files as queries for DURATION seconds.

  serve_load.py URL PID IMAGE_LIST [--clients 16] [--duration 30] [--top-k 10]

IMAGE_LIST is a text file of image paths, cycled through. Prints one JSON line: requests,
errors (non-200 or failed), throughput, p50/p99 latency in ms, and the server's RSS (VmRSS of PID)
before and after.
"""
import argparse
import http.client
import json
import threading
import time
import urllib.parse


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return -1


def client(url, images, offset, stop_at, top_k, latencies, errors, lock):
    parsed = urllib.parse.urlparse(url)
    connection = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=300)
    i = offset
    while time.monotonic() < stop_at:
        body = images[i % len(images)]
        i += 1
        start = time.monotonic()
        try:
            connection.request("POST", f"/search?top_k={top_k}", body=body,
                               headers={"Content-Type": "application/octet-stream"})
            response = connection.getresponse()
            response.read()
            ok = response.status == 200
        except (OSError, http.client.HTTPException):
            ok = False
            connection.close()
            connection = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=300)
        elapsed = time.monotonic() - start
        with lock:
            latencies.append(elapsed)
            if not ok:
                errors.append(elapsed)


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100.0 * (len(ordered) - 1))))]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("pid", type=int)
    parser.add_argument("image_list")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--duration", type=float, default=30)
    parser.add_argument("--top-k", type=int, default=10)
    args = parser.parse_args()
    paths = [line.strip() for line in open(args.image_list) if line.strip()]
    images = [open(p, "rb").read() for p in paths]
    rss_before = rss_kib(args.pid)
    latencies, errors, lock = [], [], threading.Lock()
    stop_at = time.monotonic() + args.duration
    threads = [threading.Thread(target=client, args=(args.url, images, 7919 * c, stop_at, args.top_k,
                                                     latencies, errors, lock))
               for c in range(args.clients)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.monotonic() - started
    print(json.dumps({
        "clients": args.clients, "seconds": round(wall, 1), "requests": len(latencies),
        "errors": len(errors), "throughput_rps": round(len(latencies) / wall, 2),
        "p50_ms": round(1000 * percentile(latencies, 50), 1) if latencies else None,
        "p99_ms": round(1000 * percentile(latencies, 99), 1) if latencies else None,
        "rss_before_mib": round(rss_before / 1024, 1), "rss_after_mib": round(rss_kib(args.pid) / 1024, 1),
    }))


if __name__ == "__main__":
    main()
