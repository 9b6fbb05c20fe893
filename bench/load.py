"""Drive one page with wrk and read its figures; sample the gunicorn workers' memory meanwhile.

wrk (Debian package `wrk`) runs `--threads` threads holding `--connections` connections for `--duration`
seconds. A Lua script generated per page cycles through the page's sample paths, sends the sign-in
(session cookie or bearer token), the proxy's X-Forwarded-Proto and a fixed User-Agent (Flask-Login's
strong session protection ties the session to the client's address and User-Agent), and counts the
answers by status, so a lost session (a redirect to /login) or an error cannot pass for a fast page.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field

try:
    import psutil
except ImportError:  # not in the lock files: /proc is read instead
    psutil = None

USER_AGENT = "dealer-bench/1 (wrk)"

# booking 5: the requests the benchmark makes outside wrk (warm-up, timing alone, the profiler) to an owner's
# public page come from addresses of their own too, as wrk's do: from one address they would spend the page's
# per-address rate limit (the progress pages: 30 a minute) and answer 429 before the run.
_owner_requests = iter(range(1, 1 << 24))


def owner_address() -> str:
    """Another owner's phone for one request outside wrk: 10.200.<n> onwards (wrk's threads use 10.<thread>)."""
    n = next(_owner_requests)
    return f"10.{200 + (n >> 16) % 56}.{(n >> 8) % 256}.{n % 256}"

LUA = r"""
local paths = %(paths)s
local counter = 0
wrk.headers["X-Forwarded-Proto"] = "https"
wrk.headers["User-Agent"] = %(user_agent)s
%(headers)s
local threads = {}
function setup(thread)
  thread:set("offset", #threads)
  table.insert(threads, thread)
end
function init(args)
  counter = offset or 0
  statuses = {}
end
local owners = %(owners)s
function request()
  counter = counter + 1
  if owners then  -- another owner's phone each request: 10.<thread>.<counter>
    wrk.headers["X-Forwarded-For"] = string.format("10.%%d.%%d.%%d", (offset or 0) %% 256,
      math.floor(counter / 256) %% 256, counter %% 256)
  end
  return wrk.format("GET", paths[(counter %% #paths) + 1])
end
function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end
function done(summary, latency, requests)
  local all = {}
  for _, thread in ipairs(threads) do
    for status, n in pairs(thread:get("statuses")) do
      all[status] = (all[status] or 0) + n
    end
  end
  local parts = {}
  for status, n in pairs(all) do table.insert(parts, string.format('"%%d": %%d', status, n)) end
  io.write(string.format('BENCH {"statuses": {%%s}, "requests": %%d, "duration_us": %%d, ' ..
    '"p50_us": %%d, "p90_us": %%d, "p99_us": %%d, "max_us": %%d, "errors": %%d}\n',
    table.concat(parts, ", "), summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
"""


def _lua_string(value: str) -> str:
    return json.dumps(value)  # a JSON string literal is a valid Lua string literal for these values


@dataclass
class WrkResult:
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    requests: int
    statuses: dict[str, int]
    socket_errors: int
    output: str

    @property
    def ok(self) -> bool:
        return self.requests > 0 and set(self.statuses) == {"200"} and not self.socket_errors


def run_wrk(base_url: str, paths: list[str], headers: dict[str, str], *, threads: int, connections: int,
            duration: int, timeout: int = 10, owners: bool = False) -> WrkResult:
    """Run wrk against the paths for `duration` seconds; parse its --latency output and the script's line.

    `owners`: each request carries another X-Forwarded-For address (an owner's public page, bench/pages.py)."""
    lua = LUA % {
        "paths": "{" + ", ".join(_lua_string(p) for p in paths) + "}",
        "user_agent": _lua_string(USER_AGENT),
        "owners": "true" if owners else "false",
        "headers": "\n".join(f"wrk.headers[{_lua_string(k)}] = {_lua_string(v)}" for k, v in headers.items()),
    }
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(lua)
    try:
        completed = subprocess.run(
            ["wrk", "--threads", str(threads), "--connections", str(connections), "--duration", f"{duration}s",
             "--timeout", f"{timeout}s", "--latency", "--script", script.name, base_url],
            capture_output=True, text=True, check=False)
    finally:
        os.unlink(script.name)
    output = completed.stdout + completed.stderr
    if completed.returncode:
        raise RuntimeError(f"wrk failed ({completed.returncode}):\n{output}")
    return parse_wrk(output)


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(number) * _UNITS[unit]


def parse_wrk(output: str) -> WrkResult:
    """Read requests/s and the 50% and 99% latencies from wrk's --latency text, statuses from our line."""
    rate = re.search(r"^Requests/sec:\s+([\d.]+)", output, re.M)
    p50 = re.search(r"^\s+50%\s+(\S+)", output, re.M)
    p99 = re.search(r"^\s+99%\s+(\S+)", output, re.M)
    line = re.search(r"^BENCH (\{.*\})$", output, re.M)
    if not (rate and p50 and p99 and line):
        raise RuntimeError(f"could not read wrk's output:\n{output}")
    extra = json.loads(line.group(1))
    return WrkResult(requests_per_second=float(rate.group(1)), p50_ms=_ms(p50.group(1)), p99_ms=_ms(p99.group(1)),
                     requests=extra["requests"], statuses=extra["statuses"], socket_errors=extra["errors"],
                     output=output)


def worker_pids(master_pid: int) -> list[int]:
    """The gunicorn master's children (its workers), from /proc."""
    children = []
    for task in os.listdir(f"/proc/{master_pid}/task"):
        try:
            with open(f"/proc/{master_pid}/task/{task}/children") as file:
                children += [int(pid) for pid in file.read().split()]
        except OSError:
            continue
    return children


TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pids: list[int]) -> dict[int, float]:
    """Each process's CPU time so far, user and system, in seconds (/proc/<pid>/stat); a process gone is left out."""
    seconds = {}
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as file:
                fields = file.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        seconds[pid] = (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime (fields 14 and 15 of stat)
    return seconds


def cpu_spent(before: dict[int, float], after: dict[int, float]) -> float:
    """The CPU seconds the processes present at both samples spent between them."""
    return sum(after[pid] - before[pid] for pid in before if pid in after)


def postmaster_of(backend_pid: int) -> int | None:
    """The PostgreSQL server process of one of its backends (its parent), when the backend is a process on this
    machine; else None."""
    try:
        with open(f"/proc/{backend_pid}/status") as file:
            return next(int(line.split()[1]) for line in file if line.startswith("PPid:"))
    except (OSError, StopIteration):
        return None


def server_pids(postmaster: int | None) -> list[int]:
    """A PostgreSQL server's processes now: the postmaster and its children (none without a postmaster)."""
    return [] if postmaster is None else [postmaster, *worker_pids(postmaster)]


def rss_mb(pid: int) -> float | None:
    """Resident set size in MB (psutil when installed, else /proc/<pid>/status VmRSS)."""
    try:
        if psutil is not None:
            return psutil.Process(pid).memory_info().rss / 2**20
        with open(f"/proc/{pid}/status") as file:
            for line in file:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except (OSError, Exception):  # noqa: BLE001 (a worker that restarted between listing and reading)
        return None
    return None


@dataclass
class RssSampler:
    """Sample the workers' RSS every `interval` seconds in a thread; `label` says which page is running."""

    master_pid: int
    interval: float = 0.5
    label: str = ""
    peaks: dict[str, float] = field(default_factory=dict)   # label -> the largest worker's RSS seen
    first: dict[int, float] = field(default_factory=dict)   # worker pid -> RSS at its first sample
    last: dict[int, float] = field(default_factory=dict)

    def __post_init__(self):
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name="rss-sampler")

    def start(self) -> RssSampler:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def sample(self) -> None:
        for pid in worker_pids(self.master_pid):
            value = rss_mb(pid)
            if value is None:
                continue
            self.first.setdefault(pid, value)
            self.last[pid] = value
            if self.label:
                self.peaks[self.label] = max(self.peaks.get(self.label, 0.0), value)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.sample()
            time.sleep(self.interval)

    @property
    def peak(self) -> float:
        return max([*self.peaks.values(), *self.last.values(), 0.0])
