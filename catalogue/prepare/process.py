"""Processes that parse sequence files (and run detection) ahead of an import's writes.

:func:`catalogue.prepare.pipeline.prepared_in_order` hands the files to these processes in turn while
:func:`catalogue.curation.import_sequence_files` writes each prepared file, so that parsing (Biopython,
pyhmmer) and writing (the database driver and server) use more than one core; threads would not,
because both halves hold the GIL most of the time.

Each is ``python -m catalogue.prepare.process``, started with :mod:`subprocess` rather than
:mod:`multiprocessing`, whose spawned children re-run the parent's ``__main__`` script: an unguarded
calling script would run itself again, and under Streamlit ``__main__`` is app.py. Messages are
pickles over the child's stdin and stdout: first the :class:`~catalogue.prepare.files.ReadOptions`,
then ``(file name, content)`` pairs, each answered in order by ``("prepared", PreparedSequences)``,
``("invalid", the InvalidInput's fields)`` or ``("failed", text)``. A thread in the child drains
stdin, so the parent's writes never wait for the child's answers.
"""

from __future__ import annotations

import os
import pickle
import queue
import signal
import subprocess
import sys
import threading
from collections import deque
from typing import BinaryIO

from catalogue.errors import CatalogueError, InvalidInput
from catalogue.prepare.files import PreparedSequences, prepare_file

_PROTOCOL = pickle.HIGHEST_PROTOCOL


class ParsingProcessFailed(CatalogueError):
    """The parsing process stopped or failed on something other than bad input."""


class ParsingProcess:
    """The parent's end: :meth:`submit` files, then take their results in the same order with :meth:`result`."""

    def __init__(self, options) -> None:
        environment = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p))
        self._process = subprocess.Popen(
            [sys.executable, "-m", __name__],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=environment,
        )
        self._submitted: deque[str] = deque()  # file names awaiting an answer, in order
        self._send(options)

    def _send(self, message) -> None:
        try:
            pickle.dump(message, self._process.stdin, protocol=_PROTOCOL)
            self._process.stdin.flush()
        except (BrokenPipeError, OSError):
            raise self._stopped() from None

    def submit(self, file_name: str, content: bytes) -> None:
        self._submitted.append(file_name)
        self._send((file_name, content))

    def result(self) -> PreparedSequences | InvalidInput:
        """The next submitted file's records, or the error in its content."""
        file_name = self._submitted.popleft()
        try:
            status, value = pickle.load(self._process.stdout)
        except (EOFError, OSError, pickle.UnpicklingError):
            raise self._stopped(file_name) from None
        if status == "invalid":
            message, file, record, line = value
            return InvalidInput(message, file=file, record=record, line=line)
        if status == "failed":
            raise ParsingProcessFailed(f"parsing {file_name} failed: {value}")
        return value

    def _stopped(self, file_name: str | None = None) -> ParsingProcessFailed:
        code = self._process.poll()
        where = f" while parsing {file_name}" if file_name else ""
        return ParsingProcessFailed(f"the parsing process stopped{where} (exit code {code})")

    def close(self) -> None:
        """End the process: it finishes the file in hand, sees the end of its input and exits."""
        try:
            self._process.stdin.close()
        except OSError:
            pass
        try:
            self._process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        self._process.stdout.close()

    def __enter__(self) -> ParsingProcess:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()


def _serve(inbox: BinaryIO, outbox: BinaryIO) -> None:
    messages: queue.Queue = queue.Queue()

    def drain() -> None:
        while True:
            try:
                messages.put(pickle.load(inbox))
            except (EOFError, OSError, pickle.UnpicklingError):
                messages.put(None)
                return

    threading.Thread(target=drain, daemon=True).start()
    options = messages.get()
    while (message := messages.get()) is not None:
        file_name, content = message
        try:
            answer = ("prepared", prepare_file(file_name, content, options))
        except InvalidInput as error:
            answer = ("invalid", (error.message, error.file, error.record, error.line))
        except Exception as error:  # reported to the parent as text: it raises ParsingProcessFailed
            answer = ("failed", f"{type(error).__name__}: {error}")
        pickle.dump(answer, outbox, protocol=_PROTOCOL)
        outbox.flush()


def main() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the importing process's to handle
    outbox = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # anything a library prints goes to stderr, not into the answers
    _serve(sys.stdin.buffer, outbox)


if __name__ == "__main__":
    main()
