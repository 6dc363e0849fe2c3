"""Writes a report's PDF in a process of its own, so that WeasyPrint's layout (most of a
package's time) runs on another core while the other documents are written.

    python -m concertation.synthesis.pdf_process report.html report.pdf

No Django here: the HTML is rendered by the caller, this process only lays it out."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


class PdfProcess:
    """A running conversion; `wait()` raises with WeasyPrint's message when it failed."""

    def __init__(self, html: str, target: Path) -> None:
        self.source = target.with_suffix(".html")
        self.source.write_text(html, encoding="utf-8")
        self.target = target
        self.process = subprocess.Popen(
            [sys.executable, "-m", "concertation.synthesis.pdf_process", str(self.source),
             str(target)],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
            cwd=Path(__file__).resolve().parents[2])  # where `concertation` imports from

    def wait(self) -> Path:
        _, errors = self.process.communicate()
        self.source.unlink(missing_ok=True)
        if self.process.returncode:
            lines = [line for line in (errors or "").strip().splitlines() if line.strip()]
            raise RuntimeError("la mise en page du PDF a échoué : "
                               + (lines[-1] if lines else f"code {self.process.returncode}"))
        return self.target

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.communicate()
        self.source.unlink(missing_ok=True)


def main(argv: list[str]) -> None:
    from weasyprint import HTML

    source, target = (Path(a) for a in argv)
    HTML(string=source.read_text(encoding="utf-8")).write_pdf(target)


if __name__ == "__main__":
    main(sys.argv[1:])
