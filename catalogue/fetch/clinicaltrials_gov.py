"""Fetching study pages from the ClinicalTrials.gov API v2.

:func:`fetch_studies` yields each page's raw JSON bytes
(``{"studies": [...], "nextPageToken": "..."}``), exactly as the API sent it, so the
pages can be stored as they are and parsed with :func:`catalogue.parse.trials.parse_trial_file`.
It uses only the standard library (urllib), follows ``pageToken`` pagination, waits
``min_interval_s`` between requests, sends a User-Agent, and stops with
:class:`RegistryUnavailable` on a network or HTTP failure.
"""

from __future__ import annotations

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
    base_url: str = DEFAULT_BASE_URL,
    timeout_s: float = 30.0,
) -> Iterator[bytes]:
    """Yield the raw JSON pages of a ClinicalTrials.gov v2 study search.

    ``query`` is a search phrase (sent as ``query.term``, e.g. ``"CAR-T lupus"``) or a
    parameter string such as ``"query.cond=lupus&query.intr=CAR-T"``. Pages follow
    ``nextPageToken`` until the last page or ``max_pages``. Requests are at least
    ``min_interval_s`` apart.
    """
    if not 1 <= page_size <= 1000:
        raise ValueError("page_size must be between 1 and 1000 (the API's limit)")
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
        body = _get(url, timeout_s)
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


def _get(url: str, timeout_s: float) -> bytes:
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT, "Accept": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout_s) as response:
            cap = config.max_upload_bytes()
            body = response.read(cap + 1)  # an answer over the cap is not read further (nor kept in memory)
    except urllib.error.HTTPError as exc:
        detail = exc.read(300).decode("utf-8", "replace").strip() if exc.fp else ""
        raise RegistryUnavailable(
            f"ClinicalTrials.gov answered HTTP {exc.code} {exc.reason} for {url}" + (f": {detail}" if detail else "")
        ) from None
    except urllib.error.URLError as exc:
        raise RegistryUnavailable(f"cannot reach ClinicalTrials.gov at {url}: {exc.reason}") from None
    except (TimeoutError, OSError) as exc:
        raise RegistryUnavailable(f"cannot reach ClinicalTrials.gov at {url}: {exc}") from None
    if len(body) > cap:
        raise RegistryUnavailable(f"ClinicalTrials.gov answered {url} with more than the upload cap of {cap:,} bytes "
                                  f"({config.MAX_UPLOAD_BYTES_ENV}); ask for smaller pages")
    return body
