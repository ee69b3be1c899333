"""The print page laid out as a PDF by WeasyPrint, in this process or in a second one.

WeasyPrint lays out about a line a millisecond, in Python, so the PDF is the longest of a large
report's renderings; yet it needs only the print page (a few hundred kB of HTML), not the report.
A run therefore hands the page to a second process (`python -m gitc_agent.report.formats.
pdf_print`) and renders the workbook, CSV and OSCAL meanwhile: on an admin host with two cores
the PDF then costs next to no wall time. The page goes in and the PDF comes out through unlinked
temporary files, so no pipe can fill and stall either side. The second process fetches nothing
either, ignores Ctrl-C (the run ends it when the run stops) and prints the same bytes as this
process does, which is what a run falls back to when it cannot start or fails.
"""

from __future__ import annotations

import json
import logging
import signal
import subprocess
import sys
import tempfile
from typing import IO

from gitc_agent.run.gc_pause import paused

MODULE = "gitc_agent.report.formats.pdf_print"
log = logging.getLogger(__name__)


def print_pdf(html: str, css: str, identifier: bytes) -> bytes:
    """The PDF of `html` with the print stylesheet `css` and the fixed PDF /ID `identifier`;
    no base URL and a URL fetcher that refuses everything, so nothing in a report can make it
    read a file or the network."""
    from weasyprint import CSS, HTML  # loaded only when a PDF is asked for (it is heavy)

    fetcher = _no_fetcher()
    document = HTML(string=html, base_url=None, url_fetcher=fetcher)
    return document.write_pdf(stylesheets=[CSS(string=css, url_fetcher=fetcher)],
                              pdf_identifier=identifier)


def _refuse(url: str, *args: object, **kwargs: object) -> dict[str, object]:
    raise ValueError(f"the PDF renderer fetches nothing ({url[:60]!r})")


def _no_fetcher() -> object:
    """WeasyPrint 67+ takes a URLFetcher object, older versions a function: refuse in both."""
    from weasyprint import urls

    if not hasattr(urls, "URLFetcher"):
        return _refuse

    class NoFetch(urls.URLFetcher):
        def fetch(self, url: str, headers: object = None) -> object:
            return _refuse(url)

    return NoFetch()


class PdfJob:
    """One PDF being printed by a second process; `result()` waits for it, `cancel()` ends it."""

    def __init__(self, html: str, css: str, identifier: bytes):
        self._page = (html, css, identifier)
        self._out: IO[bytes] | None = None
        self.worker: subprocess.Popen[bytes] | None = None
        try:
            # the PDF's file outlives this call: result() or cancel() closes it
            self._out = tempfile.TemporaryFile()  # noqa: SIM115
            with tempfile.TemporaryFile() as page:
                page.write(json.dumps({"html": html, "css": css,
                                       "identifier": identifier.decode("ascii")}).encode())
                page.seek(0)
                # its complaints are WeasyPrint's, about the page: printing it here repeats them
                self.worker = subprocess.Popen([sys.executable, "-m", MODULE], stdin=page,
                                               stdout=self._out, stderr=subprocess.DEVNULL)
        except (OSError, ValueError) as exc:  # no temporary file or no interpreter to start
            log.info("PDF printed in this process: no second process (%s)", type(exc).__name__)
            self.worker = None

    def result(self) -> bytes:
        """The PDF: the second process's, or printed here when it could not print it."""
        try:
            if self.worker is not None and self._out is not None:
                code = self.worker.wait()
                self._out.seek(0)
                data = self._out.read()
                if code == 0 and data.startswith(b"%PDF-"):
                    return data
                log.info("PDF printed in this process: the second process exited %s", code)
                self.worker = None
            return print_pdf(*self._page)  # the same bytes; a real problem raises here
        finally:
            self._close()

    def cancel(self) -> None:
        """The run stops: end the second process and leave nothing behind."""
        if self.worker is not None and self.worker.poll() is None:
            self.worker.kill()
            self.worker.wait()
        self._close()

    def _close(self) -> None:
        if self._out is not None:
            self._out.close()


def main() -> int:
    """The second process: the page as JSON on stdin, the PDF on stdout."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the run decides when this ends
    page = json.loads(sys.stdin.buffer.read())
    with paused():  # as in the run (run.gc_pause): 10-30% of the layout went to the collector
        pdf = print_pdf(page["html"], page["css"], page["identifier"].encode("ascii"))
    sys.stdout.buffer.write(pdf)
    sys.stdout.buffer.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
