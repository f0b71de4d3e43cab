#!/usr/bin/python3
"""A real SMTP server for the integration tests: stores what it receives, injects faults.

    /usr/bin/python3 tests/smtp/sink.py --port PORT --dir DIR [--host 127.0.0.1]

Needs aiosmtpd (Debian python3-aiosmtpd; scripts/test-prereqs installs it). Driven by
tests/api/smtp_sink.rs, which starts it, kills it (SIGKILL) and restarts it on the same port
and folder mid-test.

Protocol with the test:
- stdout carries exactly one line, `READY <port>`, once the socket listens. Everything else
  (aiosmtpd's warnings, our notes) goes to stderr.
- Each accepted message is stored durably under DIR/messages/ as `<unix-nanos>-<random>.eml`
  (the raw bytes exactly as received after DATA, CRLF line ends, dot-unstuffed) with a sidecar
  `<unix-nanos>-<random>.json` = {"mail_from": ..., "rcpt_tos": [...]}. Both are written to a
  hidden temporary name, fsynced and renamed; the sidecar first, so a reader who sees the .eml
  also sees its .json. Only then does the client get `250 OK queued as <name>`, so a message
  the client saw accepted survives a SIGKILL that follows.
- Faults, per recipient (RCPT TO), by the local part (case-insensitive):
    refuse...  ->  550 5.1.1 <addr>: Recipient address rejected: User unknown   (permanent;
                   the reply echoes the address on purpose: the app must scrub it)
    busy...    ->  451 4.3.0 Try again later                                     (transient)
- Faults at the end of DATA, from control files in DIR, read on every message so a test can
  switch them without a restart:
    DIR/delay-ms     a number: sleep that many milliseconds first (a slow server). A client
                     that gives up meanwhile closes the connection; aiosmtpd then cancels this
                     handler, and nothing is stored.
    DIR/drop-next    close the TCP connection without replying and without storing. Empty (or
                     not a number) means one message; a number N means the next N messages. It
                     is counted down and deleted when used up.
    DIR/reject-data  reply `554 5.6.0 rejected`, store nothing.
  drop-next wins over reject-data.
"""

import argparse
import asyncio
import errno
import json
import logging
import os
import secrets
import sys
import time

from aiosmtpd.smtp import SMTP

log = logging.getLogger("sink")

# Accept at least the 10 MB messages the tests send (base64 inflates attachments by a third).
DATA_SIZE_LIMIT = 32 * 1024 * 1024


def fsync_dir(path):
    """Makes a rename in `path` durable."""
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_atomically(folder, name, data):
    """Writes `data` to folder/name via a hidden temporary file: write, fsync, rename."""
    tmp = os.path.join(folder, f".tmp-{name}")
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.rename(tmp, os.path.join(folder, name))


def store(messages, mail_from, rcpt_tos, raw):
    """Stores one message and returns its name (without extension)."""
    name = f"{time.time_ns()}-{secrets.token_hex(4)}"
    # SMTPUTF8 arguments arrive as str with surrogate escapes for undecodable bytes;
    # surrogateescape gives the original bytes back.
    meta = json.dumps({"mail_from": mail_from, "rcpt_tos": rcpt_tos}, ensure_ascii=False)
    write_atomically(messages, f"{name}.json", meta.encode("utf-8", "surrogateescape"))
    write_atomically(messages, f"{name}.eml", raw)
    fsync_dir(messages)
    return name


def read_number(path):
    """The number in a control file, None when the file is absent, empty or not a number."""
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read().strip()
    except FileNotFoundError:
        return None
    try:
        return int(text)
    except ValueError:
        return None


def take_drop(folder):
    """True when this message is to be dropped; counts DIR/drop-next down."""
    path = os.path.join(folder, "drop-next")
    if not os.path.exists(path):
        return False
    left = (read_number(path) or 1) - 1
    if left > 0:
        write_atomically(folder, "drop-next", str(left).encode())
    else:
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass
    return True


class Handler:
    def __init__(self, folder):
        self.folder = folder
        self.messages = os.path.join(folder, "messages")

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        local = address.rsplit("@", 1)[0].lower()
        if local.startswith("refuse"):
            return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown"
        if local.startswith("busy"):
            return "451 4.3.0 Try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        delay_ms = read_number(os.path.join(self.folder, "delay-ms"))
        if delay_ms and delay_ms > 0:
            await asyncio.sleep(delay_ms / 1000)
        if take_drop(self.folder):
            print("sink: dropping the connection at the end of DATA", file=sys.stderr, flush=True)
            # abort() closes the socket at once (the client reads EOF, no reply). It also makes
            # asyncio call connection_lost(), where aiosmtpd cancels the session task we are
            # running in: wait for that rather than return a status aiosmtpd would try to send.
            server.transport.abort()
            await asyncio.get_running_loop().create_future()
        if os.path.exists(os.path.join(self.folder, "reject-data")):
            return "554 5.6.0 rejected"
        raw = envelope.original_content
        if raw is None:
            raw = envelope.content if isinstance(envelope.content, bytes) else b""
        name = await asyncio.to_thread(store, self.messages, envelope.mail_from, envelope.rcpt_tos, raw)
        return f"250 OK queued as {name}"


async def listen(loop, factory, host, port, bind_timeout):
    """Binds, retrying while the port is in use (e.g. the previous run's socket lingers)."""
    deadline = time.monotonic() + bind_timeout
    while True:
        try:
            # reuse_address is asyncio's default on Unix; say so, a restart depends on it.
            return await loop.create_server(factory, host, port, reuse_address=True)
        except OSError as e:
            if e.errno != errno.EADDRINUSE or time.monotonic() >= deadline:
                raise
            await asyncio.sleep(0.1)


async def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--dir", required=True, help="messages/ and the control files live here")
    parser.add_argument("--bind-timeout", type=float, default=10.0,
                        help="seconds to keep retrying a port that is in use (exit 3 then)")
    args = parser.parse_args()

    logging.basicConfig(stream=sys.stderr, level=logging.WARNING,
                        format="sink %(name)s %(levelname)s: %(message)s")
    os.makedirs(os.path.join(args.dir, "messages"), exist_ok=True)

    loop = asyncio.get_running_loop()
    handler = Handler(args.dir)

    def factory():
        return SMTP(
            handler,
            enable_SMTPUTF8=True,  # also announces 8BITMIME (always on in aiosmtpd)
            data_size_limit=DATA_SIZE_LIMIT,
            decode_data=False,  # keep bytes: the test wants what went over the wire
            hostname="sink.sipas.test",  # no getfqdn(): it can hang on DNS
            ident="sipas test sink",
            loop=loop,
        )

    try:
        server = await listen(loop, factory, args.host, args.port, args.bind_timeout)
    except OSError as e:
        print(f"sink: cannot listen on {args.host}:{args.port}: {e}", file=sys.stderr, flush=True)
        sys.exit(3 if e.errno == errno.EADDRINUSE else 1)
    port = server.sockets[0].getsockname()[1]
    print(f"READY {port}", flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main())
