"""A hard time limit on one rendering: the work runs in a forked child, killed past its budget.

Rendering is pure Python and C code (regular expressions, nh3) that no signal or thread can
interrupt, so the only sure stop is a separate process. `within_budget(seconds, func, *args)`
forks, lets the child compute `func(*args)` and send the pickled result back through a pipe,
and SIGKILLs the child once it has used `seconds` of CPU time, or WALL_FACTOR times that in
wall-clock time (`OverBudget`). Counting CPU time makes the verdict a property of the text:
the same body is not accepted on a quiet server and refused on a busy one (nor accepted by
the form's check and refused by the save after it). The child:

- touches nothing it inherited but the function's arguments: no database connection, no
  socket, no file of the parent is used, and the garbage collector is off so that no
  finaliser (a database connection's, say) runs against a shared socket;
- leaves with `os._exit()`, so no atexit handler, no `finally` of the parent's stack (a
  gunicorn worker's loop, a ProcessPoolExecutor worker's, pytest's) ever runs in it;
- carries its own CPU and wall-clock limits (RLIMIT_CPU, alarm), so it ends even if its parent
  dies first, and a memory limit (RLIMIT_AS): running out is a refusal like running late.

Forking copies the parent's memory lazily (copy on write): the Markdown instance the parent
has built is the child's without rebuilding, and a fork costs a few milliseconds.
Where `os.fork` does not exist (Windows), the function runs in the process, without a limit.
"""

import contextlib
import gc
import math
import os
import pickle
import resource
import select
import signal
import time

_READ_CHUNK = 1 << 16
_POLL = 0.02  # seconds between two looks at the child's CPU time
# A child is stopped after this many times its CPU budget in wall-clock time: on a machine
# busy with other work it gets less than a whole CPU, but a server process is never held
# longer than this (9 s for the 1.8 s budget, well inside gunicorn's 30 s timeout). Twice
# the budget refused ordinary demo notes on a 2-core machine at load 20, where a process
# gets a tenth of a CPU: the verdict must stay a property of the text.
WALL_FACTOR = 5
# Memory the child may take on top of what it inherited: a 250 KB note needs about 40 MB.
MEMORY_BYTES = 1 << 30


class OverBudget(Exception):
    """The work did not finish within its time."""


class OverMemory(OverBudget):
    """The work needed more than MEMORY_BYTES."""


class WorkerDied(Exception):
    """The child ended without an answer (killed for memory, say)."""


def within_budget(seconds, func, *args):
    """Return `func(*args)`, computed in a child process given at most `seconds` of CPU time.

    The child is also stopped after WALL_FACTOR times `seconds` of wall-clock time, however
    little CPU a busy machine gave it. Raises OverBudget when time runs out, WorkerDied when
    the child ends without an answer, and re-raises whatever exception `func` raised.
    """
    if not hasattr(os, "fork"):
        return func(*args)
    read_end, write_end = os.pipe()
    try:
        pid = os.fork()
    except OSError:
        os.close(read_end)
        os.close(write_end)
        raise WorkerDied("could not start a process to render in") from None
    if pid == 0:  # the child: never returns
        os.close(read_end)
        _child(seconds, write_end, func, args)
    os.close(write_end)
    try:
        data = _read_until(read_end, pid, seconds, time.monotonic() + WALL_FACTOR * seconds)
    except BaseException:  # the parent is stopping (a signal, an error): no child left behind
        _kill(pid)
        raise
    finally:
        os.close(read_end)
    if data is None:
        _kill(pid)
        raise OverBudget(f"took longer than {seconds:g} s")
    status = _reap(pid)
    if not data:
        raise WorkerDied(f"the rendering process ended without an answer ({_describe(status)})")
    try:
        ok, value = pickle.loads(data)
    except Exception:  # cut short (the child was killed while writing)
        raise WorkerDied(f"the rendering process ended with a partial answer ({_describe(status)})") from None
    if ok:
        return value
    raise value


def _child(seconds, write_end, func, args):
    code = 1
    try:
        gc.disable()
        # The parent's signal handlers (gunicorn's, runserver's) are not the child's: a signal
        # sent to the whole process group just ends it. Nor is the parent's wake-up descriptor.
        with contextlib.suppress(ValueError, OSError):  # only where Python counts this thread as main
            signal.set_wakeup_fd(-1)
            for name in ("SIGINT", "SIGTERM", "SIGQUIT", "SIGHUP", "SIGUSR1", "SIGUSR2", "SIGABRT", "SIGWINCH"):
                signal.signal(getattr(signal, name), signal.SIG_DFL)
        # Every inherited descriptor but the pipe closes: the child cannot touch the parent's
        # database connections or sockets, and a sibling forked by another thread at the
        # same moment holds no copy of this pipe (which would delay its end of file).
        os.closerange(3, write_end)
        os.closerange(write_end + 1, _max_fd())
        _limit_self(seconds)
        try:
            answer = (True, func(*args))
        except MemoryError:
            answer = (False, OverMemory(f"needed more than {MEMORY_BYTES >> 20:,} MB of memory"))
        except BaseException as error:  # sent back to be raised in the parent
            answer = (False, error)
        try:
            data = pickle.dumps(answer, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception as error:  # an exception that cannot be pickled
            data = pickle.dumps((False, RuntimeError(f"{type(error).__name__}: {error}")))
        view = memoryview(data)
        while view:
            view = view[os.write(write_end, view) :]
        code = 0
    finally:
        os._exit(code)


def _max_fd():
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    return soft if soft != resource.RLIM_INFINITY else 65536


def _limit_self(seconds):
    """CPU and wall-clock limits of the child's own, in case its parent dies first, and a
    memory limit: MEMORY_BYTES of address space more than the parent had."""
    try:
        with open("/proc/self/statm", "rb") as statm:
            size = int(statm.read().split()[0]) * resource.getpagesize()
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard == resource.RLIM_INFINITY or size + MEMORY_BYTES <= hard:
            resource.setrlimit(resource.RLIMIT_AS, (size + MEMORY_BYTES, hard))
    except (OSError, ValueError, IndexError):
        pass
    try:
        signal.signal(signal.SIGALRM, signal.SIG_DFL)  # default action: end the process
        signal.alarm(math.ceil(WALL_FACTOR * seconds) + 2)
        cpu = math.ceil(time.process_time() + seconds) + 1
        _, hard = resource.getrlimit(resource.RLIMIT_CPU)
        if hard == resource.RLIM_INFINITY or cpu <= hard:
            resource.setrlimit(resource.RLIMIT_CPU, (cpu, hard))
    except (OSError, ValueError):  # best effort: the parent's kill is the real limit
        pass


def _read_until(fd, pid, cpu_seconds, deadline):
    """All bytes written to `fd` until its other end closes, or None once the child `pid` has
    used `cpu_seconds` of CPU or the `deadline` (monotonic clock) has passed."""
    chunks = []
    poller = select.poll()
    poller.register(fd, select.POLLIN)
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0 or _cpu_time(pid) >= cpu_seconds:
            return None
        # poll(), not select(): a process with many connections has descriptors past 1024.
        if poller.poll(min(remaining, _POLL) * 1000):
            chunk = os.read(fd, _READ_CHUNK)
            if not chunk:
                return b"".join(chunks)
            chunks.append(chunk)


_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _cpu_time(pid):
    """CPU seconds used by `pid` (Linux's /proc); 0 where that cannot be read (the wall-clock
    deadline then rules alone)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            fields = stat.read().rsplit(b")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / _TICKS  # utime + stime


def _kill(pid):
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    _reap(pid)


def _reap(pid):
    try:
        return os.waitpid(pid, 0)[1]
    except ChildProcessError:  # SIGCHLD ignored by the embedding server: reaped already
        return None


def _describe(status):
    if status is not None and os.WIFSIGNALED(status):
        return f"signal {signal.Signals(os.WTERMSIG(status)).name}"
    if status is not None and os.WIFEXITED(status):
        return f"exit status {os.WEXITSTATUS(status)}"
    return "status unknown"
