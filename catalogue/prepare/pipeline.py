"""Many sequence files prepared ahead of their writes: a pipeline of parsing processes.

:func:`prepared_in_order` hands files to parsing processes (:mod:`catalogue.prepare.process`) in turn and
yields each file's prepared records, in the order given, as soon as that file's turn comes. The service
layer (:func:`catalogue.curation.import_sequence_files`) writes each one, in its own transaction, while the
processes parse the files after it: parsing (Biopython, pyhmmer) and writing (the database driver and
server) then use more than one core. No database here.
"""

from __future__ import annotations

import contextlib
import itertools
import os
from collections import deque
from collections.abc import Iterable, Iterator

from catalogue.errors import CatalogueError, InvalidInput
from catalogue.prepare.files import PreparedSequences, ReadOptions, prepare_file
from catalogue.prepare.process import ParsingProcess, ParsingProcessFailed


def parsing_processes(detect: bool) -> int:
    """How many parsing processes a many-file import starts: with detection (pyhmmer, alignments) parsing
    is nearly all the work, so one per core; without it, one core is left to the writes and the
    database server."""
    cores = os.cpu_count() or 1
    return max(1, min(4, cores if detect else cores - 1))


def prepared_in_order(files: Iterable[tuple[str, bytes | InvalidInput]],
                      options: ReadOptions) -> Iterator[tuple[str, PreparedSequences | CatalogueError]]:
    """Each file's name with its prepared records or the error that stops it, in the order given.

    ``files`` gives each file's name and content, or the :class:`InvalidInput` saying why it could not be
    read. One file is prepared in this process; two or more in :func:`parsing_processes` processes, each
    with one file in hand and at most one more waiting. If a parsing process stops (a crash, not bad
    input), that file and every later one are given its error and nothing more is read, so the caller
    has written the files before it and reports each file.
    """
    items = iter(files)
    wanted = parsing_processes(options.detect)
    first = list(itertools.islice(items, max(2, wanted)))
    if len(first) < 2:  # one file: not worth a second process
        for file_name, content in first:
            yield file_name, _prepared_here(file_name, content, options)
        return
    with contextlib.ExitStack() as stack:
        parsers = [stack.enter_context(ParsingProcess(options)) for _ in range(min(wanted, len(first)))]
        turns = itertools.cycle(parsers)
        # each entry: the file's name and its error, or the parsing process that will answer for it
        pending: deque[tuple[str, InvalidInput | ParsingProcess]] = deque()
        try:
            for file_name, content in itertools.chain(first, items):
                if isinstance(content, InvalidInput):
                    pending.append((file_name, content))
                else:
                    parser = next(turns)
                    pending.append((file_name, parser))
                    parser.submit(file_name, content)
                if len(pending) > 2 * len(parsers):
                    yield _next_prepared(pending)
            while pending:
                yield _next_prepared(pending)
        except ParsingProcessFailed as failure:
            stopped = CatalogueError(f"not imported: {failure}")
            for file_name, _ in itertools.chain(pending, items):
                yield file_name, stopped


def _prepared_here(file_name: str, content: bytes | InvalidInput,
                   options: ReadOptions) -> PreparedSequences | InvalidInput:
    """A file prepared in this process, or the error that stops it."""
    if isinstance(content, InvalidInput):
        return content
    try:
        return prepare_file(file_name, content, options)
    except InvalidInput as error:
        return error


def _next_prepared(pending: deque) -> tuple[str, PreparedSequences | InvalidInput]:
    """The oldest pending file's answer; it leaves the queue only once it has one."""
    file_name, answer = pending[0]
    prepared = answer.result() if isinstance(answer, ParsingProcess) else answer
    pending.popleft()
    return file_name, prepared
