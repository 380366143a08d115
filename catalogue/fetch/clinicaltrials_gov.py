"""Fetching study pages from the ClinicalTrials.gov API v2.

:func:`fetch_studies` yields each page's raw JSON bytes
(``{"studies": [...], "nextPageToken": "..."}``), exactly as the API sent it, so the
pages can be stored as they are and parsed with :func:`catalogue.parse.trials.parse_trial_file`.
It uses only the standard library (urllib), follows ``pageToken`` pagination, waits
``min_interval_s`` between requests and sends a User-Agent. A 429 (too many requests) is retried after the
``Retry-After`` the registry asks for (at most :data:`MAX_RETRY_AFTER_S`), a 5xx or a body cut short after a
growing pause; after ``retries`` such answers, or on any other network or HTTP failure, it stops with
:class:`RegistryUnavailable`. The endpoint is ``base_url``, else ``$CATALOGUE_CTGOV_API_URL``, else the
public API.
"""

from __future__ import annotations

import http.client
import json
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator

from catalogue import config
from catalogue.errors import CatalogueError

USER_AGENT = "car-tcr-catalogue/0.1 (+trial import; python-urllib)"
DEFAULT_BASE_URL = "https://clinicaltrials.gov/api/v2/studies"
MAX_RETRY_AFTER_S = 120.0  # a longer wait asked for is refused: the run stops and says so


class RegistryUnavailable(CatalogueError):
    """The registry could not be reached or answered with an error; nothing was imported."""

    exit_code = 4


def _query_params(query: str) -> dict[str, str]:
    """``query`` as API parameters: a bare phrase is ``query.term``; ``a=b&c=d`` is used as given."""
    query = query.strip()
    if "=" in query:
        return dict(urllib.parse.parse_qsl(query, keep_blank_values=False, strict_parsing=False))
    return {"query.term": query}


def fetch_studies(
    query: str,
    *,
    page_size: int = 100,
    max_pages: int | None = None,
    min_interval_s: float = 0.5,
    base_url: str | None = None,
    timeout_s: float = 30.0,
    retries: int = 3,
    retry_wait_s: float = 2.0,
) -> Iterator[bytes]:
    """Yield the raw JSON pages of a ClinicalTrials.gov v2 study search.

    ``query`` is a search phrase (sent as ``query.term``, e.g. ``"CAR-T lupus"``) or a
    parameter string such as ``"query.cond=lupus&query.intr=CAR-T"``. Pages follow
    ``nextPageToken`` until the last page or ``max_pages``. Requests are at least
    ``min_interval_s`` apart.
    """
    if not 1 <= page_size <= 1000:
        raise ValueError("page_size must be between 1 and 1000 (the API's limit)")
    base_url = base_url or config.ctgov_api_url() or DEFAULT_BASE_URL
    params = _query_params(query)
    params.update({"format": "json", "pageSize": str(page_size)})
    token: str | None = None
    pages = 0
    last_request = 0.0
    while max_pages is None or pages < max_pages:
        if token:
            params["pageToken"] = token
        url = f"{base_url}?{urllib.parse.urlencode(params)}"
        wait = min_interval_s - (time.monotonic() - last_request)
        if pages and wait > 0:
            time.sleep(wait)
        last_request = time.monotonic()
        body = _get_with_retries(url, timeout_s, retries, retry_wait_s)
        pages += 1
        try:
            page = json.loads(body)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise RegistryUnavailable(f"ClinicalTrials.gov answered page {pages} with something that is not JSON ({exc})") from None
        if not isinstance(page, dict) or not isinstance(page.get("studies"), list):
            raise RegistryUnavailable(f"ClinicalTrials.gov page {pages} has no 'studies' list")
        yield body
        token = page.get("nextPageToken")
        if not token:
            return


class _Retryable(Exception):
    def __init__(self, message: str, wait_s: float | None = None):
        super().__init__(message)
        self.wait_s = wait_s


def _get_with_retries(url: str, timeout_s: float, retries: int, retry_wait_s: float) -> bytes:
    for attempt in range(retries + 1):
        try:
            return _get(url, timeout_s)
        except _Retryable as problem:
            if attempt == retries:
                raise RegistryUnavailable(f"{problem} (gave up after {retries + 1} attempts)") from None
            wait = problem.wait_s if problem.wait_s is not None else retry_wait_s * 2**attempt
            if wait > MAX_RETRY_AFTER_S:
                raise RegistryUnavailable(f"{problem}; it asks to wait {wait:.0f} s, longer than this run waits") from None
            time.sleep(wait)
    raise AssertionError("unreachable")


def _retry_after(value: str | None) -> float | None:
    """Retry-After in seconds (the HTTP-date form is read as "ask again shortly")."""
    if not value:
        return None
    try:
        return max(0.0, float(value.strip()))
    except ValueError:
        return None


def _get(url: str, timeout_s: float) -> bytes:
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT, "Accept": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout_s) as response:
            cap = config.max_upload_bytes()
            body = response.read(cap + 1)  # an answer over the cap is not read further (nor kept in memory)
            declared = response.headers.get("Content-Length")
            if declared and declared.isdigit() and len(body) < int(declared) and len(body) <= cap:
                # a read of at most cap + 1 bytes returns what came before the connection closed, without
                # raising IncompleteRead as a whole read would: compare with the length the server declared
                raise http.client.IncompleteRead(body, int(declared) - len(body))
    except urllib.error.HTTPError as exc:
        detail = exc.read(300).decode("utf-8", "replace").strip() if exc.fp else ""
        if exc.code == 429:
            raise _Retryable(f"ClinicalTrials.gov answered HTTP 429 (too many requests) for {url}",
                             _retry_after(exc.headers.get("Retry-After"))) from None
        if 500 <= exc.code < 600:
            raise _Retryable(f"ClinicalTrials.gov answered HTTP {exc.code} {exc.reason} for {url}",
                             _retry_after(exc.headers.get("Retry-After"))) from None
        raise RegistryUnavailable(
            f"ClinicalTrials.gov answered HTTP {exc.code} {exc.reason} for {url}" + (f": {detail}" if detail else "")
        ) from None
    except http.client.IncompleteRead as exc:
        raise _Retryable(f"ClinicalTrials.gov's answer for {url} was cut short ({len(exc.partial)} bytes "
                         f"of {len(exc.partial) + (exc.expected or 0)})") from None
    except urllib.error.URLError as exc:
        raise RegistryUnavailable(f"cannot reach ClinicalTrials.gov at {url}: {exc.reason}") from None
    except (TimeoutError, OSError) as exc:
        raise RegistryUnavailable(f"cannot reach ClinicalTrials.gov at {url}: {exc}") from None
    if len(body) > cap:
        raise RegistryUnavailable(f"ClinicalTrials.gov answered {url} with more than the upload cap of {cap:,} bytes "
                                  f"({config.MAX_UPLOAD_BYTES_ENV}); ask for smaller pages")
    return body
