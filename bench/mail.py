"""An email backend for the benchmarks: it does a mail server's client side and counts, and nothing more.

Each message is serialised as the SMTP backend would send it (`message().as_bytes()`), so the benchmark pays
for composing the whole MIME message, and each recipient is appended to a file of this process in
BENCH_MAIL_LOG (a directory), so the benchmark can check that every address got exactly one email without
keeping anything in memory.
"""

import os
from pathlib import Path

from django.core.mail.backends.base import BaseEmailBackend


class CountingBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        with (Path(os.environ["BENCH_MAIL_LOG"]) / f"{os.getpid()}.txt").open("a") as log:
            for message in email_messages:
                message.message().as_bytes()
                log.writelines(f"{to}\n" for to in message.recipients())
        return len(email_messages)


def recipients(directory: str) -> dict[str, int]:
    """Return how many emails each address got, from every process's file in `directory`."""
    counts: dict[str, int] = {}
    for path in Path(directory).glob("*.txt"):
        with path.open() as log:
            for line in log:
                counts[line.strip()] = counts.get(line.strip(), 0) + 1
    return counts
