"""Benchmark the outbox worker against a bare smtplib loop (see bench/README.md).

Queues N emails (default 2,000) in a database of its own, then delivers them to an aiosmtpd
server on loopback (in a process of its own) twice per round: once with a bare `smtplib` loop
on one connection (the same messages, built beforehand), once with the worker
(`careerlink.mail.worker.run`, what `flask careerlink mail send` does). Prints both times per
round, their medians and the worker/bare ratio.

    .venv/bin/python bench/outbox.py                       # SQLite, 2,000 messages, 3 rounds
    .venv/bin/python bench/outbox.py --messages 500 --rounds 5 --batch 200
    .venv/bin/python bench/outbox.py --database-url postgresql://postgres@127.0.0.1:5432/test
"""

from __future__ import annotations

import argparse
import os
import shutil
import smtplib
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("CAREERLINK_ENV", "testing")

from sqlalchemy import text, update  # noqa: E402

from bench.directory import make_app  # noqa: E402
from bench.private_db import private_database  # noqa: E402
from tests.support.smtp import free_port  # noqa: E402


class CountingHandler:
    """An aiosmtpd handler that accepts every message and counts it."""

    def __init__(self):
        self.count = 0

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        """Accept and count the message."""
        self.count += 1
        return "250 Message accepted for delivery"


def serve(port: int) -> None:
    """Run the SMTP server until stdin closes; answer each line read with the count so far."""
    from aiosmtpd.controller import Controller

    handler = CountingHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    print("ready", flush=True)
    for _line in sys.stdin:
        print(handler.count, flush=True)
    controller.stop()


@contextmanager
def smtp_process():
    """An SMTP server in a child process; yields (port, received) where received() counts."""
    port = free_port()
    child = subprocess.Popen(
        [sys.executable, __file__, "--serve", str(port)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        if child.stdout.readline().strip() != "ready":
            raise SystemExit("the SMTP server did not start")

        def received() -> int:
            child.stdin.write("count\n")
            child.stdin.flush()
            return int(child.stdout.readline())

        yield port, received
    finally:
        child.stdin.close()
        child.wait(timeout=10)


def parse_args(argv=None):
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=2000, help="emails per round")
    parser.add_argument("--rounds", type=int, default=3, help="rounds (bare, then worker)")
    parser.add_argument("--batch", type=int, default=50, help="the worker's --batch")
    parser.add_argument(
        "--database-url",
        default=None,
        help="postgresql://... to run on PostgreSQL (a private schema is created and dropped); "
        "SQLite in a temporary directory by default",
    )
    parser.add_argument("--serve", type=int, default=None, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def queue_messages(db, count: int) -> None:
    """Queue `count` verification emails, each with a private link, as sign-ups do."""
    from careerlink.accounts.models import User
    from careerlink.mail import Secret, enqueue

    for n in range(count):
        user = User(email=f"student{n}@example.edu", display_name=f"Student {n}")
        enqueue(
            "verify_email",
            "user",
            user.email,
            {"user": user, "link": Secret(f"https://careerlink.test/verify/{n}"), "signup": True},
        )
    db.session.commit()


def requeue(db) -> None:
    """Make every message due again, as if never sent."""
    from careerlink.mail import private
    from careerlink.mail.models import OutboxMessage

    # Delivery erased the private links: seal fresh ones so each round decrypts as the first.
    sealed = private.seal({private.PLACEHOLDER.format(n=1): "https://careerlink.test/verify/x"})
    db.session.execute(
        update(OutboxMessage).values(
            status="queued",
            attempts=0,
            sent_at=None,
            last_error=None,
            secrets=sealed,
            next_attempt_at=text("created_at"),
        )
    )
    db.session.commit()


def prebuilt(db) -> list[tuple[list[str], bytes]]:
    """The messages as the worker would send them: recipients and bytes."""
    from careerlink.mail.models import OutboxMessage
    from careerlink.mail.transports import message_bytes

    rows = db.session.scalars(db.select(OutboxMessage).order_by(OutboxMessage.id))
    return [(list(r.recipients), message_bytes(r.deliverable())) for r in rows]


def bare_loop(port: int, sender: str, messages: list[tuple[list[str], bytes]]) -> float:
    """Seconds to send the prebuilt messages over one smtplib connection."""
    started = time.perf_counter()
    conn = smtplib.SMTP("127.0.0.1", port, timeout=30)
    conn.ehlo()
    for recipients, data in messages:
        conn.sendmail(sender, recipients, data)
    conn.quit()
    return time.perf_counter() - started


def worker_pass(batch: int) -> float:
    """Seconds for one worker pass (`flask careerlink mail send`) over everything due."""
    from careerlink.mail import worker

    started = time.perf_counter()
    worker.run(batch=batch)
    return time.perf_counter() - started


def main(argv=None) -> int:
    """Queue the messages, time both senders per round, print the table."""
    args = parse_args(argv)
    if args.serve:
        serve(args.serve)
        return 0
    from careerlink.extensions import db

    folder = Path(tempfile.mkdtemp(prefix="careerlink-bench-outbox-"))
    try:
        target = private_database(args.database_url, folder / "outbox.sqlite3", "bench_outbox")
        with target as (url, engine_options, _schema, where), smtp_process() as (port, received):
            print(f"database: {where}")
            app = make_app(url, engine_options)
            app.config.update(
                MAIL_SERVER="127.0.0.1", MAIL_PORT=port, CAREERLINK_MAIL_TRANSPORT="smtp"
            )
            with app.app_context():
                from careerlink.mail.transports import envelope_sender

                db.create_all()
                queue_messages(db, args.messages)
                messages = prebuilt(db)
                sender = envelope_sender(app.config)
                bare_times, worker_times = [], []
                print(f"{'round':>5} {'bare s':>8} {'worker s':>9} {'ratio':>6}")
                for n in range(1, args.rounds + 1):
                    before = received()
                    bare_times.append(bare_loop(port, sender, messages))
                    requeue(db)
                    worker_times.append(worker_pass(args.batch))
                    got = received() - before
                    if got != 2 * args.messages:
                        raise SystemExit(f"the server received {got}, not {2 * args.messages}")
                    print(
                        f"{n:>5} {bare_times[-1]:>8.2f} {worker_times[-1]:>9.2f} "
                        f"{worker_times[-1] / bare_times[-1]:>6.2f}"
                    )
                bare, work = statistics.median(bare_times), statistics.median(worker_times)
                print(
                    f"\n{args.messages:,} messages, batch {args.batch}, {db.engine.dialect.name}: "
                    f"bare smtplib {bare:.2f} s ({args.messages / bare:,.0f}/s), "
                    f"worker {work:.2f} s ({args.messages / work:,.0f}/s), "
                    f"ratio {work / bare:.2f}x (medians of {args.rounds})"
                )
                db.session.remove()
                db.engine.dispose()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
