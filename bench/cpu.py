"""Where a saturated run's machine time goes: CPU seconds of the app server (the processes of
gunicorn's session), PostgreSQL, Redis and wrk read from /proc before and after the run, and
the machine's busy time (/proc/stat), each divided by the requests the run answered.

A request's cost under load is more than the CPU its view takes in process: the server's
HTTP handling, the database's and Redis's side of each query, the client's. Two rows with the
same in-process cost can differ under load (a write's commit, a larger response), and this
says which part differs. "other" is the machine's busy time not in those groups (the kernel's
interrupt work, anything else running on the machine: read it as noise when others share it).
PostgreSQL's processes are the server's own (WAL writer, checkpointer) and its backends
connected to the run's database (their command line names it), so another database's queries
on a shared server are not counted; wrk's time is read
with `resource.getrusage(RUSAGE_CHILDREN)` around the run (wrk has exited when the run ends).
Linux only; elsewhere `snapshot` is None and nothing is reported."""

import os
import resource
from dataclasses import dataclass, field
from pathlib import Path

PROC = Path("/proc")
GROUPS = ("app", "postgres", "redis", "wrk", "other")
_BY_COMMAND = {"postgres": "postgres", "redis-server": "redis", "wrk": "wrk"}


def _ticks() -> int:
    return os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def stat_fields(text: str) -> tuple[str, list[str]]:
    """A /proc/<pid>/stat line as (command, the fields after it): the command is in
    parentheses and may itself hold spaces and parentheses, so it ends at the last ')'."""
    head, _, rest = text.rpartition(")")
    return head.partition("(")[2], rest.split()


@dataclass
class Snapshot:
    seconds: dict[str, float] = field(default_factory=dict)
    machine: float = 0.0
    # Each counted process's (group, CPU seconds so far), by pid: a run's time is what each
    # process used between the snapshots, so one that ended meanwhile (a backend of the
    # benchmark's own set-up, closed during the run) takes nothing away from its group.
    processes: dict[int, tuple[str, float]] = field(default_factory=dict)
    # CPU seconds of this process's exited children (the run's wrk), part of seconds["wrk"].
    children: float = 0.0


def _serves(pid: str, database: str) -> bool:
    """Whether a postgres process works for `database`: its backends ("postgres: user database
    host(port) state") and the server's own processes ("postgres: 15/main: walwriter", the
    WAL and checkpoints every database's writes share), not other databases' backends."""
    try:
        words = (PROC / pid / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").split()
    except OSError:
        return False
    if len(words) < 3 or words[0] != "postgres:":
        return True  # the postmaster
    return words[1].endswith(":") or words[2] == database


def snapshot(app_session: int, *, database: str = "") -> Snapshot | None:
    """CPU seconds used so far by each group's live processes (PostgreSQL: the backends of
    `database` when given), and the machine's busy seconds."""
    if not (PROC / "stat").exists():
        return None
    ticks = _ticks()
    seconds = dict.fromkeys(GROUPS, 0.0)
    processes = {}
    for entry in PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command, fields = stat_fields((entry / "stat").read_text())
        except OSError:  # the process ended meanwhile
            continue
        # fields[3] is the session id, fields[11] and [12] user and system time in ticks.
        group = "app" if int(fields[3]) == app_session else _BY_COMMAND.get(command)
        if group == "postgres" and database and not _serves(entry.name, database):
            continue
        if group is not None:
            used = (int(fields[11]) + int(fields[12])) / ticks
            seconds[group] += used
            processes[int(entry.name)] = (group, used)
    cpu = (PROC / "stat").read_text().split("\n", 1)[0].split()[1:]
    values = [int(value) for value in cpu]
    idle = values[3] + (values[4] if len(values) > 4 else 0)  # idle and iowait
    # guest time is counted in user time already (the 9th and 10th columns)
    busy = sum(values[:8]) - idle
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    exited = children.ru_utime + children.ru_stime  # the exited children: the run's wrk
    seconds["wrk"] += exited
    return Snapshot(seconds=seconds, machine=busy / ticks, processes=processes, children=exited)


def per_request(before: Snapshot | None, after: Snapshot | None, requests: int) -> dict[str, float] | None:
    """Milliseconds of CPU per request by group between two snapshots, with "total" (the
    machine's busy time) and "other" (total minus the groups)."""
    if before is None or after is None or not requests:
        return None
    # Per process: what each live process used since the first snapshot (all of it if it started
    # since). A process that ended between them is not subtracted: the group's sum would drop by
    # all it had ever used (a set-up backend: the PostgreSQL column read 0).
    used = dict.fromkeys((group for group in GROUPS if group != "other"), 0.0)
    for pid, (group, seconds) in after.processes.items():
        earlier = before.processes.get(pid)
        used[group] += seconds - (earlier[1] if earlier and earlier[0] == group else 0.0)
    used["wrk"] += max(0.0, after.children - before.children)
    used = {group: max(0.0, value) for group, value in used.items()}
    total = max(0.0, after.machine - before.machine)
    used["other"] = max(0.0, total - sum(used.values()))
    used["total"] = total
    return {group: seconds * 1000 / requests for group, seconds in used.items()}
