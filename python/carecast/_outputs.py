"""Where carecast writes: every command that writes (``run``, ``compare``, ``report``) goes
through here, so that no user's file is ever lost.

The rules:

* A directory target that exists and is not empty is refused, unless ``overwrite`` is given and
  everything in it is a file carecast wrote there: its ``run.json`` lists them under ``files``.
  Any other file (or no ``run.json``) means refusal even with ``overwrite``.
* A file target that exists is refused unless ``overwrite`` is given.
* The target is checked when the output is opened (before the simulation runs) and again, under
  an exclusive lock beside the target, just before the output is moved into place. Two runs
  writing the same target take turns with ``overwrite``; without it, the second is refused as
  soon as it starts.
* Every output appears atomically: it is written into a temporary directory or file beside the
  target and renamed into place. A carecast directory being overwritten is swapped with the new
  one in one step where the system can (Linux ``renameat2``), so a reader sees the old outputs
  or the new, never a mixture. An existing empty directory (``--out .``) is kept: the files are
  moved into it one by one, ``run.json`` last. So is the current directory (or one holding it)
  when overwritten: its old ``run.json`` goes first, then the files are replaced, the new
  ``run.json`` last, so nobody is left standing in a deleted directory.
* Temporaries are named ``.carecast-<host>-<pid>-<token>[.<tag of the target>]``; ones left by a
  process that no longer runs on this host (killed with SIGKILL, say) are removed by the next output
  in the same place. Nothing else is ever removed.
* Outputs get the user's usual permissions (``0o666``/``0o777`` less the umask).
* Every failure is an :class:`OutputError` naming the path.
"""

from __future__ import annotations

import abc
import contextlib
import ctypes
import errno
import hashlib
import json
import os
import re
import secrets
import shutil
import signal
import socket
import stat
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Any

from ._errors import CarecastError

if sys.platform != "win32":
    import fcntl

if TYPE_CHECKING:
    from typing_extensions import Self

MANIFEST = "run.json"
TEMP_PREFIX = ".carecast-"
LOCK_SUFFIX = ".carecast-lock"
#: Seconds to wait for another carecast to move its output into the same place (it takes
#: milliseconds; a longer wait means a stopped process).
LOCK_TIMEOUT = 60.0


def _host() -> str:
    """This machine, and this process-id namespace (containers sharing a folder can have the same
    host name and the same process ids), as a name part."""
    host = re.sub(r"[^A-Za-z0-9]", "_", socket.gethostname())[:32] or "host"
    try:
        return f"{host}_{os.stat('/proc/self/ns/pid').st_ino}"
    except OSError:
        return host


_HOST = _host()
_TEMP = re.compile(r"\.carecast-(?P<host>[A-Za-z0-9_]+)-(?P<pid>[0-9]+)-[0-9a-f]{8}"
                   r"(?:\.(?P<tag>t[0-9a-f]{10}))?(?:\.[A-Za-z0-9_]{1,10})?")
_SIGNALS = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name))


class OutputError(CarecastError, OSError):
    """An output cannot be written where it was asked for; the message names the path."""


def umask() -> int:
    """The process's umask (read without changing it where the system allows)."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def usual_permissions(path: str, directory: bool = False) -> None:
    """Give ``path`` the permissions a new file (or directory) of the user's would have."""
    os.chmod(path, (0o777 if directory else 0o666) & ~umask())


def _temp_name(suffix: str = "", tag: str = "") -> str:
    """``.carecast-<host>-<pid>-<random>[.<tag>][<suffix>]``: the tag says which target it is for."""
    return f"{TEMP_PREFIX}{_HOST}-{os.getpid()}-{secrets.token_hex(4)}{'.' + tag if tag else ''}{suffix}"


def _tag(name: str) -> str:
    return "t" + hashlib.sha1(os.fsencode(name)).hexdigest()[:10]


def _writers(directory: str, name: str) -> list[int]:
    """Process ids of other carecast runs, still running, writing the output ``name`` in ``directory``."""
    tag = _tag(name)
    pids = []
    for temp, alive in _temporaries(directory):
        m = _TEMP.fullmatch(temp)
        if alive and m and m["tag"] == tag and int(m["pid"]) != os.getpid():
            pids.append(int(m["pid"]))
    return pids


def _alive(pid: int) -> bool:
    if pid <= 0 or sys.platform == "win32":  # (os.kill would end the process there)
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # another user's process, or cannot tell: leave it be
        return True
    return True


def _temporaries(directory: str) -> list[tuple[str, bool]]:
    """carecast's temporaries in ``directory``: (name, whether its process still runs)."""
    try:
        names = os.listdir(directory)
    except OSError:
        return []
    found = []
    for name in names:
        m = _TEMP.fullmatch(name)
        if m:
            found.append((name, m["host"] != _HOST or _alive(int(m["pid"]))))
    return found


def clean_stale(directory: str) -> None:
    """Remove carecast's temporaries in ``directory`` whose process (on this host) has gone."""
    for name, alive in _temporaries(directory):
        if alive:
            continue
        path = os.path.join(directory, name)
        with contextlib.suppress(OSError):
            if os.path.isdir(path) and not os.path.islink(path):
                shutil.rmtree(path, ignore_errors=True)
            else:
                os.unlink(path)


@contextlib.contextmanager
def _signals_deferred() -> Iterator[list[int]]:
    """Hold SIGINT, SIGTERM and SIGHUP while outputs are moved into place or cleaned up; their
    handlers run once that is done. Yields the list of signals held so far."""
    pending: list[int] = []
    if threading.current_thread() is not threading.main_thread():
        yield pending
        return

    def defer(signum: int, _frame: object) -> None:
        pending.append(signum)

    saved = {s: signal.signal(s, defer) for s in _SIGNALS}
    try:
        yield pending
    finally:
        for s, handler in saved.items():
            signal.signal(s, signal.SIG_DFL if handler is None else handler)
        for s in dict.fromkeys(pending):
            signal.raise_signal(s)


def _exchange(a: str, b: str) -> bool:
    """Swap the paths ``a`` and ``b`` in one step (Linux ``renameat2(RENAME_EXCHANGE)``).
    False where the system or file system cannot."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        fn = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    fn.restype = ctypes.c_int
    at_fdcwd, rename_exchange = -100, 2
    if fn(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV):
        return False
    raise OSError(err, os.strerror(err), b)


def _open_lock(path: str) -> int:
    """Open (creating) a lock file; read-only if it is another user's (flock works either way)."""
    try:
        return os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o666)
    except PermissionError:
        if not os.path.exists(path):
            raise
        return os.open(path, os.O_RDONLY | os.O_CLOEXEC)


def _holds_cwd(path: str) -> bool:
    """Whether ``path`` is the current directory or one of its parents."""
    try:
        cwd, target = os.path.realpath(os.getcwd()), os.path.realpath(path)
    except OSError:
        return False
    return cwd == target or cwd.startswith(target.rstrip(os.sep) + os.sep)


def _reason(e: OSError) -> str:
    if isinstance(e, OutputError):
        return str(e)
    return e.strerror or str(e)


class _Output(abc.ABC):
    """What directory and file outputs share: the target, parents made for it, the lock."""

    kind = "output"

    def __init__(self, target: str | os.PathLike[str], overwrite: bool) -> None:
        text = os.fspath(target)
        if not text:
            raise OutputError("the output path is empty")
        self.display = text
        self.overwrite = overwrite
        path = os.path.abspath(text)
        if os.path.islink(path):  # write where the link points
            path = os.path.realpath(path)
        self.path = path
        self.parent, self.name = os.path.split(path)
        if not self.name:
            raise OutputError(f"cannot write an {self.kind} at {text}")
        self.temp: str | None = None
        self._inside = False
        self.committed = False
        self._made: list[str] = []

    def _fail(self, e: OSError, doing: str = "write") -> OutputError:
        where = self.display
        ours = (self.path, os.path.join(self.parent, TEMP_PREFIX), os.path.join(self.parent, f".{self.name}"))
        if e.filename and not str(e.filename).startswith(ours):
            where = f"{self.display} ({e.filename})"
        return OutputError(f"cannot {doing} {where}: {_reason(e)}")

    def _make_parents(self) -> None:
        """Create the missing directories above the target (removed again if nothing is written)."""
        missing = []
        p = self.parent
        while not os.path.lexists(p):
            missing.append(p)
            p = os.path.dirname(p)
        if not os.path.isdir(p):
            raise OutputError(f"cannot write {self.display}: {p} is not a directory")
        for m in reversed(missing):
            try:
                os.mkdir(m)
            except FileExistsError:
                if not os.path.isdir(m):
                    raise OutputError(f"cannot write {self.display}: {m} is not a directory") from None
                continue
            except OSError as e:
                raise OutputError(f"cannot create {m} for {self.display}: {_reason(e)}") from None
            self._made.append(m)

    def _remove_made(self) -> None:
        for m in reversed(self._made):
            with contextlib.suppress(OSError):
                os.rmdir(m)
        self._made = []

    @contextlib.contextmanager
    def _locked(self, pending: list[int]) -> Iterator[None]:
        """Hold the exclusive lock of this target: ``.<name>.carecast-lock`` beside it (removed
        afterwards; a lock left by a killed process holds nothing), or the target directory itself
        where its parent cannot be written. (Not on Windows, where runs writing one place at the
        same time are not serialised.)"""
        if sys.platform == "win32":
            yield
            return
        path = os.path.join(self.parent, f".{self.name}{LOCK_SUFFIX}")
        deadline = time.monotonic() + LOCK_TIMEOUT
        while True:
            own_file = True
            try:
                fd = _open_lock(path)
            except OSError as e:
                if not os.path.isdir(self.path) or e.errno not in (errno.EACCES, errno.EPERM, errno.EROFS):
                    raise self._fail(e) from None
                try:
                    fd = os.open(self.path, os.O_RDONLY | os.O_CLOEXEC)
                except OSError as e2:
                    raise self._fail(e2) from None
                own_file = False
            try:
                while True:
                    try:
                        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                        break
                    except BlockingIOError:
                        if pending:
                            raise OutputError(f"interrupted while waiting to write {self.display}") from None
                        if time.monotonic() > deadline:
                            raise OutputError(f"another carecast has been writing {self.display} for "
                                              f"{LOCK_TIMEOUT:.0f} s; try again when it has finished") from None
                        time.sleep(0.01)
                if own_file:  # the file may have been removed by the holder before us: lock afresh
                    held = os.fstat(fd)
                    try:
                        now = os.stat(path)
                    except FileNotFoundError:
                        now = None
                    if now is None or (now.st_dev, now.st_ino) != (held.st_dev, held.st_ino):
                        os.close(fd)
                        continue
            except BaseException:
                os.close(fd)
                raise
            break
        try:
            yield
        finally:
            if own_file:
                with contextlib.suppress(OSError):
                    os.unlink(path)
            os.close(fd)

    def _refuse_a_second_writer(self) -> None:
        """Without ``overwrite``, only one run at a time may be on its way to writing a target: a
        second would be refused at the end, so it is refused now. (With ``overwrite`` they take
        turns, the last to finish replacing the others.)"""
        if self.overwrite:
            return
        busy = _writers(self.parent, self.name)
        if busy:
            raise OutputError(f"another carecast (process {busy[0]}) is already writing {self.display}; wait "
                              "for it, or choose another place")

    @abc.abstractmethod
    def _open_temp(self) -> str:
        """Under the lock: check the target and make the temporary to write into."""

    def __enter__(self) -> Self:
        try:
            # Signals wait until what is made here is recorded for cleanup: a signal between
            # making the temporary and remembering it would leave it behind. Waiting for the
            # lock still gives way to a signal at once.
            with _signals_deferred() as pending:
                self._make_parents()
                clean_stale(self.parent)
                with self._locked(pending):  # a steady view: no other carecast is moving an output here
                    self.temp = self._open_temp()
        except BaseException:
            self._cleanup()
            raise
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._cleanup()

    def _cleanup(self) -> None:
        with _signals_deferred():
            if self.temp is not None and not self.committed:
                with contextlib.suppress(OSError):
                    if os.path.isdir(self.temp) and not os.path.islink(self.temp):
                        shutil.rmtree(self.temp, ignore_errors=True)
                    else:
                        os.unlink(self.temp)
                self.temp = None
            if not self.committed:
                self._remove_made()


class DirectoryOutput(_Output):
    """A directory of outputs: checked on entering the ``with`` block, filled and moved into
    place by :meth:`write`, and cleaned up on leaving it if it was not written.

    >>> with DirectoryOutput("results", overwrite=False) as out:  # doctest: +SKIP
    ...     results = scenario.run(...)                            # after the check
    ...     out.write(lambda tmp: ..., {"seed": 1})                # tmp: the directory to fill
    """

    kind = "output directory"

    def _open_temp(self) -> str:
        self._inside = self._check()
        self._refuse_a_second_writer()
        temp = os.path.join(self.path, _temp_name()) if self._inside else \
            os.path.join(self.parent, _temp_name(tag=_tag(self.name)))
        try:
            os.mkdir(temp)  # with the umask's permissions
        except OSError as e:
            raise self._fail(e) from None
        return temp

    def _check(self) -> bool:
        """Whether the target may be written: True if it is an empty directory to fill in place,
        False if it is to be created, or replaced whole (an earlier carecast output, with
        ``overwrite``). Raises :class:`OutputError` otherwise. Checked before the work and again
        under the lock."""
        d = self.display
        if not os.path.lexists(self.path):
            if self.temp is not None and self._inside:
                raise OutputError(f"{d} was removed during the run")
            return False
        if not os.path.isdir(self.path):
            raise OutputError(f"{d} exists and is not a directory")
        clean_stale(self.path)
        try:
            entries = os.listdir(self.path)
        except OSError as e:
            raise self._fail(e, "read") from None
        own = os.path.basename(self.temp) if self.temp is not None and self._inside else None
        others = [e for e in entries if e != own]
        if not others:
            return self.temp is None or self._inside
        if any(alive and name != own for name, alive in _temporaries(self.path)):
            raise OutputError(f"another carecast is writing into {d}; wait for it, or choose another directory")
        if own is not None:
            raise OutputError(f"{d} is no longer empty: something else was written there during the run")
        why = _foreign(self.path, d, others)
        if not self.overwrite:
            if why is None:
                raise OutputError(f"{d} already holds carecast outputs; give --overwrite to replace them, "
                                  "or choose another directory")
            raise OutputError(f"{d} exists and is not empty ({why}); choose a new or empty directory")
        if why is not None:
            raise OutputError(f"refusing to overwrite {d}: {why}")
        return False

    def write(self, fill: Callable[[str], None], manifest: Mapping[str, Any]) -> None:
        """Fill the temporary directory with ``fill(directory)``, add ``run.json`` (``manifest``
        and the list of files), and move the whole into place."""
        temp = self.temp
        if temp is None or self.committed:
            raise RuntimeError("DirectoryOutput.write needs an open, unwritten output")
        try:
            fill(temp)
            files = sorted(set(os.listdir(temp)) | {MANIFEST})
            with open(os.path.join(temp, MANIFEST), "w", encoding="utf-8") as f:
                json.dump({**manifest, "files": files}, f, indent=2)
                f.write("\n")
        except OutputError:
            raise
        except OSError as e:
            raise self._fail(e) from None
        with _signals_deferred() as pending:
            old: str | None = None
            with self._locked(pending):
                try:
                    old = self._move_into_place(temp, files)
                except OutputError:
                    raise
                except OSError as e:
                    raise self._fail(e) from None
                self.committed = True
                self.temp = None
                self._made = []
            if old is not None:
                shutil.rmtree(old, ignore_errors=True)

    def _move_into_place(self, temp: str, files: list[str]) -> str | None:
        """Under the lock: check again, then move. Returns the replaced directory to remove."""
        if self._check():  # fill the empty directory in place, run.json (the list of what is complete) last
            for name in files:
                if name != MANIFEST:
                    os.rename(os.path.join(temp, name), os.path.join(self.path, name))
            os.rename(os.path.join(temp, MANIFEST), os.path.join(self.path, MANIFEST))
            os.rmdir(temp)
            return None
        if not (os.path.isdir(self.path) and os.listdir(self.path)):
            os.rename(temp, self.path)  # new, or replacing an empty directory
            return None
        if _holds_cwd(self.path):
            # Swapping out the directory a shell (or this process) stands in would leave it in a
            # deleted one: replace the files in place instead, run.json out first and in last, so
            # a reader never takes a half-written set for a complete one.
            entries = os.listdir(self.path)  # all carecast's (checked)
            with contextlib.suppress(FileNotFoundError):
                os.unlink(os.path.join(self.path, MANIFEST))
            for name in entries:
                if name not in files and not name.startswith(TEMP_PREFIX):
                    with contextlib.suppress(FileNotFoundError):
                        os.unlink(os.path.join(self.path, name))
            for name in files:
                if name != MANIFEST:
                    os.replace(os.path.join(temp, name), os.path.join(self.path, name))
            os.replace(os.path.join(temp, MANIFEST), os.path.join(self.path, MANIFEST))
            os.rmdir(temp)
            return None
        # An earlier carecast output (checked): swap it for the new one whole.
        with contextlib.suppress(OSError):
            os.chmod(temp, stat.S_IMODE(os.stat(self.path).st_mode))
        if _exchange(temp, self.path):
            return temp
        old = os.path.join(self.parent, _temp_name(".old"))
        os.rename(self.path, old)
        try:
            os.rename(temp, self.path)
        except BaseException:
            os.rename(old, self.path)
            raise
        return old


def _foreign(path: str, display: str, entries: list[str]) -> str | None:
    """Why the directory ``path`` is not wholly a carecast output, or None if it is."""
    if MANIFEST not in entries:
        return f"it has no {MANIFEST}, so it is not a carecast output"
    try:
        with open(os.path.join(path, MANIFEST), encoding="utf-8") as f:
            files = json.load(f).get("files")
    except (OSError, ValueError, AttributeError):
        files = None
    if not isinstance(files, list) or not all(isinstance(x, str) for x in files):
        return f"its {MANIFEST} does not list files carecast wrote (not carecast's, or an older carecast's)"
    listed = set(files) | {MANIFEST}
    for name in sorted(entries):
        full = os.path.join(path, name)
        if name not in listed or os.path.islink(full) or not os.path.isfile(full):
            return f"{os.path.join(display, name)} is not a file carecast wrote there"
    return None


class FileOutput(_Output):
    """One output file: checked on entering the ``with`` block, written to a temporary file
    beside it by :meth:`write` and renamed into place."""

    kind = "output file"

    def __init__(self, target: str | os.PathLike[str], overwrite: bool) -> None:
        text = os.fspath(target)
        if text.endswith(("/", os.sep)):
            raise OutputError(f"{text} names a directory; give a file name (such as report.html)")
        super().__init__(text, overwrite)

    def _open_temp(self) -> str:
        self._check()
        self._refuse_a_second_writer()
        suffix = os.path.splitext(self.name)[1]
        if not re.fullmatch(r"\.[A-Za-z0-9_]{1,10}", suffix):
            suffix = ".tmp"
        temp = os.path.join(self.parent, _temp_name(suffix, tag=_tag(self.name)))
        try:
            os.close(os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o666))
        except OSError as e:
            raise self._fail(e) from None
        return temp

    def _check(self) -> None:
        if os.path.isdir(self.path):
            raise OutputError(f"{self.display} is a directory; give a file name")
        if os.path.lexists(self.path) and not self.overwrite:
            raise OutputError(f"{self.display} exists; give --overwrite to replace it")

    def write(self, fill: Callable[[str], None]) -> None:
        """Write the file with ``fill(temporary_path)``, then rename it into place."""
        temp = self.temp
        if temp is None or self.committed:
            raise RuntimeError("FileOutput.write needs an open, unwritten output")
        try:
            fill(temp)
            usual_permissions(temp)
        except OutputError:
            raise
        except OSError as e:
            raise self._fail(e) from None
        with _signals_deferred() as pending, self._locked(pending):
            self._check()
            try:
                os.replace(temp, self.path)
            except OSError as e:
                raise self._fail(e) from None
            self.committed = True
            self.temp = None
            self._made = []


def write_file(path: str | os.PathLike[str], fill: Callable[[str], None], overwrite: bool = True) -> None:
    """Write the file ``path`` atomically with ``fill(temporary_path)`` (the API's exports)."""
    with FileOutput(path, overwrite) as out:
        out.write(fill)
