"""The staff app in several processes: one primary and reading workers.

Python runs one thread at a time in a process, so one process uses one core however
many requests wait. ``amanat serve --workers N`` therefore runs N reading workers and
one primary, forked from the process that unlocked the desk (the keys pass in memory,
never through a file):

* the **workers** serve the connections the parent process accepts and hands them in
  turn (``Dispatcher``, ``HandoffServer``: each worker gets as many as the next; workers
  accepting on one shared socket let the first one awake take a whole burst and left a
  core idle). They serve the routes in ``LOCAL_ROUTES`` (the person list and its filter
  form, a person's page, their JSON twins, the home page, static files): the pages
  under load. For each request they ask the primary for its session, and hand it the
  audit events of what they showed and the names typed into the filter form, over the
  state socket
  (``StateServer``, ``StateClient``). Every other route (signing in and out, the intake
  wizard, uploads, media, editing, accounts) they forward to the primary, request and
  response streamed (``Forward``): a new route is forwarded unless it is listed, so
  state never splits between processes.
* the **primary** is the app as it runs alone, on a Unix socket only: it holds the
  sessions, the audit trail, the intake drafts and the uploads being received, and it
  is the only process that signs in, seals an intake or an audit entry, or decrypts a
  testimony's media. It renders no list under load, so it answers the workers at once.

Both sockets live in a folder of mode 0700 made for this run; the state socket speaks
``multiprocessing.connection`` with a random 32-byte key that the processes inherit
when they fork (HMAC challenge and response before any message), and the primary
answers only the calls in ``StateServer.CALLS``. Nothing of a session is written to
disk: sessions stay in the primary's memory, as with one process, so a logout or an
expiry holds for every worker at once, and a restart signs everyone out.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import mimetypes
import os
import pickle
import shutil
import signal
import socket
import struct
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing import AuthenticationError
from multiprocessing.connection import Client, Connection, Listener
from pathlib import Path
from typing import Any

import h11
import uvicorn
from starlette.types import Receive, Scope, Send

from amanat.errors import AmanatError
from amanat.web.staff.audit import AuditTrail
from amanat.web.staff.sessions import Session, SessionStore

__all__ = [
    "LOCAL_ROUTES",
    "READ_THREADS",
    "Cluster",
    "Dispatcher",
    "Forward",
    "HandoffServer",
    "MemoryStatic",
    "RemoteAudit",
    "RemoteSessions",
    "StateClient",
    "StateServer",
    "run_processes",
]

# Served by every process; everything else by the primary alone.
LOCAL_ROUTES: frozenset[tuple[str, str]] = frozenset(
    {
        ("GET", "/"),
        ("GET", "/persons"),
        ("POST", "/persons"),  # the filter form: a typed name goes back with ``remember``
        ("GET", "/persons/{person_id}"),
        ("GET", "/api/persons"),
        ("GET", "/api/persons/{person_id}"),
        ("POST", "/api/persons/search"),
        ("GET", "/api/openapi.json"),
    }
)

_CONNECT_S = 30.0  # how long a worker waits for the primary's state socket at start
# Threads a worker gives to database reads at once (Starlette's default is 40). Each
# thread draws its own SQLCipher connection, and each connection decrypts pages into a
# cache of its own: a name search reads many pages of search_keys, and with 40 threads
# the mixed load of benchmarks/web.py cost 17-19 ms of server CPU a request, with 4
# threads 13.8-14.5 (2026-11-28; without searches, the same 3.0-3.4 either way).
READ_THREADS = 4


@dataclass(frozen=True)
class Cluster:
    """How the processes of one ``amanat serve`` find each other: made before they fork."""

    folder: Path  # mode 0700, this run's only
    authkey: bytes

    @classmethod
    def make(cls) -> Cluster:
        folder = Path(tempfile.mkdtemp(prefix="amanat-web-"))  # mkdtemp: mode 0700
        return cls(folder, os.urandom(32))

    @property
    def state_socket(self) -> str:
        return str(self.folder / "state.sock")

    @property
    def forward_socket(self) -> str:
        return str(self.folder / "primary.sock")

    def remove(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


# -- the state socket ---------------------------------------------------------------------


class StateServer:
    """In the primary: answers the workers' calls on its sessions and audit trail, one
    thread per connected worker thread."""

    CALLS = frozenset({"session.new", "session.get", "session.end", "session.end_account",
                       "session.remember", "audit.record"})  # fmt: skip
    NOTICES = frozenset({"audit.record"})  # sent without waiting for an answer

    def __init__(self, cluster: Cluster, sessions: SessionStore, audit: AuditTrail) -> None:
        self.sessions = sessions
        self.audit = audit
        with contextlib.suppress(FileNotFoundError):
            os.unlink(cluster.state_socket)  # left by a primary that died
        self.listener = Listener(cluster.state_socket, family="AF_UNIX", authkey=cluster.authkey)
        self._closed = False

    def start(self) -> None:
        threading.Thread(target=self._accept, name="amanat-state", daemon=True).start()

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self.listener.close()  # and unlinks the socket

    def _accept(self) -> None:
        while not self._closed:
            try:
                conn = self.listener.accept()
            except (OSError, EOFError, AuthenticationError):
                if self._closed:
                    return
                continue  # a peer without the key, or one that went away
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: Connection) -> None:
        with conn:
            while True:
                try:
                    call, args = conn.recv()
                except (EOFError, OSError):
                    return
                try:
                    answer: tuple[str, object] = ("ok", self._call(call, args))
                except AmanatError as e:
                    answer = ("error", e)
                except Exception as e:  # never a traceback across processes
                    answer = (
                        "error",
                        AmanatError(
                            "State call %(call)s failed: %(error)s.",
                            call=call,
                            error=type(e).__name__,
                        ),
                    )
                if call not in self.NOTICES:  # a notice's sender waits for nothing
                    conn.send(answer)

    def _call(self, call: str, args: dict[str, Any]) -> object:
        if call not in self.CALLS:
            raise AmanatError("Unknown state call %(call)s.", call=call)
        if call == "session.new":
            return self.sessions.new(
                account=str(args["account"]), role=str(args["role"]), stage=str(args["stage"])
            )
        if call == "session.get":
            return self.sessions.get(args["token"])
        if call == "session.end":
            self.sessions.end(str(args["token"]))
            return None
        if call == "session.end_account":
            return self.sessions.end_account(str(args["account"]))
        if call == "session.remember":
            self.sessions.remember(str(args["token"]), str(args["key"]), str(args["name"]))
            return None
        self.audit.record(
            str(args["action"]),
            account=str(args["account"]),
            role=str(args["role"]),
            target=str(args["target"]),
            query=args["query"],
        )
        return None


class StateClient:
    """In a worker: calls the primary's ``StateServer``; one connection per thread,
    made again once if the primary restarted."""

    def __init__(self, cluster: Cluster) -> None:
        self.cluster = cluster
        self._local = threading.local()

    def _connect(self) -> Connection:
        deadline = time.monotonic() + _CONNECT_S
        while True:
            try:
                return Client(
                    self.cluster.state_socket, family="AF_UNIX", authkey=self.cluster.authkey
                )
            except (FileNotFoundError, ConnectionRefusedError):
                if time.monotonic() > deadline:
                    raise AmanatError(
                        "The staff app's main process does not answer; restart amanat serve."
                    ) from None
                time.sleep(0.05)

    def call(self, call: str, **args: Any) -> Any:
        """Send ``call`` and wait for its answer (for a notice: only send it)."""
        for attempt in (1, 2):
            conn: Connection | None = getattr(self._local, "conn", None)
            try:
                if conn is None:
                    conn = self._local.conn = self._connect()
                conn.send((call, args))
                if call in StateServer.NOTICES:
                    return None
                kind, result = conn.recv()
                break
            except (EOFError, OSError):
                self._local.conn = None
                if attempt == 2:
                    raise AmanatError(
                        "The staff app's main process does not answer; restart amanat serve."
                    ) from None
        if kind == "error":
            raise result
        return result


class AsyncStateClient:
    """In a worker's event loop: the session lookup of every request, without holding
    up the loop while the primary answers. One connection, authenticated as
    ``StateClient``'s (the same handshake, then the same length-prefixed pickles),
    read and written with asyncio; calls take turns on it."""

    def __init__(self, sync: StateClient) -> None:
        self.sync = sync
        self._streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None
        self._lock: asyncio.Lock | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    async def _open(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        conn = await asyncio.to_thread(self.sync._connect)  # the key's handshake
        sock = socket.socket(fileno=os.dup(conn.fileno()))
        conn.close()
        return await asyncio.open_unix_connection(sock=sock)

    async def call(self, call: str, **args: Any) -> Any:
        loop = asyncio.get_running_loop()
        if self._lock is None or loop is not self._loop:  # a server has one loop, tests many
            self._loop, self._lock, self._streams = loop, asyncio.Lock(), None
        async with self._lock:
            for attempt in (1, 2):
                try:
                    if self._streams is None:
                        self._streams = await self._open()
                    reader, writer = self._streams
                    payload = pickle.dumps((call, args))
                    writer.write(struct.pack("!i", len(payload)) + payload)
                    (size,) = struct.unpack("!i", await reader.readexactly(4))
                    kind, result = pickle.loads(await reader.readexactly(size))  # noqa: S301
                    break
                except (OSError, EOFError, asyncio.IncompleteReadError):
                    if self._streams is not None:
                        self._streams[1].close()
                    self._streams = None
                    if attempt == 2:
                        raise AmanatError(
                            "The staff app's main process does not answer; restart amanat serve."
                        ) from None
        if kind == "error":
            raise result
        return result


class RemoteSessions(SessionStore):
    """The primary's sessions, seen from a worker. A session returned is a copy: a
    change to its remembered searches is sent back with ``remember``."""

    def __init__(self, client: StateClient, clock: Callable[[], float]) -> None:
        super().__init__(clock)
        self.client = client
        self.lookups = AsyncStateClient(client)

    async def lookup(self, token: str | None) -> Session | None:
        if not token:
            return None
        found: Session | None = await self.lookups.call("session.get", token=token)
        return found

    def new(self, *, account: str = "", role: str = "", stage: str = "anonymous") -> Session:
        found: Session = self.client.call("session.new", account=account, role=role, stage=stage)
        return found

    def get(self, token: str | None) -> Session | None:
        if not token:
            return None
        found: Session | None = self.client.call("session.get", token=token)
        return found

    def end(self, token: str) -> None:
        self.client.call("session.end", token=token)

    def end_account(self, account: str) -> int:
        ended: int = self.client.call("session.end_account", account=account)
        return ended

    def remember(self, token: str, key: str, name: str) -> None:
        self.client.call("session.remember", token=token, key=key, name=name)


class RemoteAudit(AuditTrail):
    """The primary's audit trail, seen from a worker: events go there at once, and the
    primary seals them with its own."""

    def __init__(self, client: StateClient, clock: Callable[[], float]) -> None:
        super().__init__(self._nowhere, interval=3600.0, clock=clock)
        self.client = client

    @staticmethod
    def _nowhere(events: object) -> None:
        raise AssertionError("a worker never seals audit events itself")

    def record(
        self,
        action: str,
        *,
        account: str = "",
        role: str = "",
        target: str = "",
        query: dict[str, str | int] | None = None,
    ) -> None:
        self.client.call(
            "audit.record", action=action, account=account, role=role, target=target, query=query
        )


# -- forwarding a request to the primary -------------------------------------------------

# Hop-by-hop headers (RFC 9110 7.6.1) and Expect, which this process has answered.
_HOP = frozenset(
    {b"connection", b"keep-alive", b"proxy-connection", b"te", b"trailer",
     b"transfer-encoding", b"upgrade", b"expect"}
)  # fmt: skip
_READ = 256 * 1024


class Forward:
    """An ASGI app that passes a request to the primary over its Unix socket and streams
    the answer back: bodies in both directions move piece by piece, never whole."""

    def __init__(self, path: str) -> None:
        self.path = path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            reader, writer = await asyncio.open_unix_connection(self.path)
        except OSError:
            await _unavailable(send)
            return
        try:
            await self._exchange(scope, receive, send, reader, writer)
        finally:
            writer.close()

    async def _exchange(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
    ) -> None:
        conn = h11.Connection(h11.CLIENT)
        headers = [(k, v) for k, v in scope["headers"] if k.lower() not in _HOP]
        names = {k.lower() for k, _ in headers}
        if b"host" not in names:
            headers.append((b"host", b"localhost"))
        chunked = any(
            k.lower() == b"transfer-encoding" and b"chunked" in v.lower()
            for k, v in scope["headers"]
        )
        if chunked and b"content-length" not in names:
            headers.append((b"transfer-encoding", b"chunked"))
        headers.append((b"connection", b"close"))
        target = scope.get("raw_path") or scope["path"].encode()
        if scope.get("query_string"):
            target += b"?" + scope["query_string"]
        writer.write(conn.send(h11.Request(method=scope["method"], target=target, headers=headers)))
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body = message.get("body", b"")
            if body:
                writer.write(conn.send(h11.Data(data=body)))
                await writer.drain()
            more = message.get("more_body", False)
        writer.write(conn.send(h11.EndOfMessage()))
        await writer.drain()
        started = False
        while True:
            try:
                event = conn.next_event()
            except h11.RemoteProtocolError:
                event = h11.ConnectionClosed()
            if event is h11.NEED_DATA:
                conn.receive_data(await reader.read(_READ))
            elif isinstance(event, h11.Response):
                started = True
                await send(
                    {
                        "type": "http.response.start",
                        "status": event.status_code,
                        "headers": [(k, v) for k, v in event.headers if k not in _HOP],
                    }
                )
            elif isinstance(event, h11.Data):
                await send({"type": "http.response.body", "body": bytes(event.data),
                            "more_body": True})  # fmt: skip
            elif isinstance(event, h11.EndOfMessage):
                await send({"type": "http.response.body", "body": b"", "more_body": False})
                return
            elif event is h11.PAUSED or isinstance(event, h11.ConnectionClosed):
                if not started:
                    await _unavailable(send)
                return


async def _unavailable(send: Send) -> None:
    body = b"The staff app is restarting. Please try again in a moment.\n"
    await send({"type": "http.response.start", "status": 503,
                "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                            (b"content-length", str(len(body)).encode()),
                            (b"cache-control", b"no-store")]})  # fmt: skip
    await send({"type": "http.response.body", "body": body, "more_body": False})


# -- static files from memory -------------------------------------------------------------


class MemoryStatic:
    """The app's few static files, read once and served from memory: a worker keeps its
    threads for the database (``READ_THREADS``), and a stylesheet must not wait for a
    query. GET and HEAD, with an ETag and 304; anything else under /static is 404."""

    def __init__(self, folder: Path) -> None:
        self.files: dict[str, tuple[bytes, list[tuple[bytes, bytes]], bytes]] = {}
        for path in sorted(folder.iterdir()):
            if path.is_file() and not path.name.startswith("."):
                body = path.read_bytes()
                etag = b'"' + hashlib.sha256(body).hexdigest()[:32].encode() + b'"'
                kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                if kind.startswith("text/") or kind.endswith("javascript"):
                    kind += "; charset=utf-8"
                headers = [
                    (b"content-type", kind.encode()),
                    (b"content-length", str(len(body)).encode()),
                    (b"etag", etag),
                ]
                self.files["/" + path.name] = (body, headers, etag)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path, root = scope["path"], scope.get("root_path", "")
        found = self.files.get(path[len(root) :] if path.startswith(root) else path)
        if scope["method"] not in ("GET", "HEAD") or found is None:
            body = b"Page not found.\n"
            await send({"type": "http.response.start", "status": 404,
                        "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                                    (b"content-length", str(len(body)).encode())]})  # fmt: skip
            await send({"type": "http.response.body", "body": body})
            return
        body, headers, etag = found
        sent = dict(scope["headers"]).get(b"if-none-match", b"")
        if etag in [t.strip() for t in sent.split(b",")]:
            await send({"type": "http.response.start", "status": 304,
                        "headers": [(b"etag", etag)]})  # fmt: skip
            await send({"type": "http.response.body", "body": b""})
            return
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send(
            {"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else body}
        )


# -- the processes ---------------------------------------------------------------------

# -- handing accepted connections to the workers -------------------------------------------


class Dispatcher:
    """Accepts the connections in the parent process and hands each to the next worker
    in turn (the descriptor passes over a Unix socket pair, ``SCM_RIGHTS``), so the
    workers hold as many connections as each other. A worker being started again finds
    what was handed to it meanwhile waiting on its socket; while one cannot take more,
    the next one does."""

    def __init__(self, listener: socket.socket, pairs: list[socket.socket]) -> None:
        self.listener = listener
        self.pairs = pairs  # the parent's end of each worker's socket pair
        self.turn = 0
        for pair in pairs:
            pair.setblocking(False)
        self.thread = threading.Thread(target=self._run, name="amanat-dispatch", daemon=True)

    def start(self) -> None:
        self.thread.start()

    def _run(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:  # closed: the server is stopping
                return
            with conn:
                self.hand(conn)

    def hand(self, conn: socket.socket) -> None:
        n = len(self.pairs)
        for step in range(n):
            pair = self.pairs[(self.turn + step) % n]
            try:
                socket.send_fds(pair, [b"c"], [conn.fileno()])
            except (BlockingIOError, InterruptedError):
                continue  # that worker is behind: the next one takes it
            except OSError:
                continue
            self.turn = (self.turn + step + 1) % n
            return
        # Every worker is behind: wait for the one whose turn it is.
        pair = self.pairs[self.turn % n]
        self.turn = (self.turn + 1) % n
        with contextlib.suppress(OSError):
            pair.setblocking(True)
            try:
                socket.send_fds(pair, [b"c"], [conn.fileno()])
            finally:
                pair.setblocking(False)


class HandoffServer(uvicorn.Server):
    """uvicorn serving the connections handed over ``handoff`` (``Dispatcher``) rather
    than accepting its own. Each is given to the same HTTP protocol uvicorn's own
    listener would make, so requests, keep-alive and shutdown are uvicorn's."""

    def __init__(self, config: uvicorn.Config, handoff: socket.socket) -> None:
        super().__init__(config)
        self.handoff = handoff
        self.adopting: set[asyncio.Task[object]] = set()

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=[])
        if self.should_exit:
            return
        loop = asyncio.get_running_loop()
        config, state = self.config, self.server_state

        def protocol() -> asyncio.Protocol:  # as uvicorn's own listener makes them
            made: asyncio.Protocol = config.http_protocol_class(  # type: ignore[call-arg]
                config=config, server_state=state, app_state=self.lifespan.state, _loop=loop
            )
            return made

        self.handoff.setblocking(False)
        loop.add_reader(self.handoff.fileno(), self._receive, loop, protocol)

    def _receive(
        self, loop: asyncio.AbstractEventLoop, protocol: Callable[[], asyncio.Protocol]
    ) -> None:
        try:
            data, fds, _, _ = socket.recv_fds(self.handoff, 64, 64)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data, fds = b"", []
        if not data and not fds:  # the parent is gone: finish what is open, then stop
            loop.remove_reader(self.handoff.fileno())
            self.should_exit = True
            return
        for fd in fds:
            conn = socket.socket(fileno=fd)
            conn.setblocking(False)
            task: asyncio.Task[object] = loop.create_task(self._adopt(loop, conn, protocol))
            self.adopting.add(task)
            task.add_done_callback(self.adopting.discard)

    @staticmethod
    async def _adopt(
        loop: asyncio.AbstractEventLoop,
        conn: socket.socket,
        protocol: Callable[[], asyncio.Protocol],
    ) -> object:
        try:
            return await loop.connect_accepted_socket(protocol, conn)
        except OSError:  # the client left before its connection was taken up
            conn.close()
            return None

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        with contextlib.suppress(ValueError, OSError):
            asyncio.get_running_loop().remove_reader(self.handoff.fileno())
        await super().shutdown(sockets)


Serve = Callable[[bool, list[socket.socket]], None]


def run_processes(host: str, port: int, workers: int, serve: Serve, cluster: Cluster) -> int:
    """Listen on ``host:port``, fork the primary and ``workers`` reading workers, and
    wait. This process accepts the connections and hands them to the workers in turn
    (``Dispatcher``); the primary listens only on its Unix socket, for what they
    forward, so its state answers are never queued behind pages it renders.
    ``serve(primary, sockets)`` runs in each child until it is told to stop (SIGTERM or
    SIGINT): the primary gets its listening socket, a worker the socket its connections
    come over (for ``HandoffServer``). A child that dies otherwise is started again.
    Returns when every child has stopped after SIGTERM or SIGINT to this process."""
    tcp = socket.create_server((host, port), backlog=2048)
    tcp.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # Linux: accepted ones inherit it
    forward = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    forward.bind(cluster.forward_socket)
    forward.listen(256)
    pairs = [socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM) for _ in range(workers)]
    children: dict[int, int] = {}  # pid -> index; 0 is the primary
    stopping = False

    def start(index: int) -> None:
        pid = os.fork()
        if pid == 0:  # the child: serve until told to stop, then leave at once
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            code = 0
            try:
                tcp.close()
                for mine, _ in pairs:
                    mine.close()  # the parent's ends: a worker sees the parent go
                serve(index == 0, [forward] if index == 0 else [pairs[index - 1][1]])
            except BaseException:  # the parent starts it again
                code = 1
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)
        children[pid] = index

    def stop(signum: int, frame: object) -> None:
        nonlocal stopping
        stopping = True
        for pid in list(children):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)

    old_int = signal.signal(signal.SIGINT, stop)
    old_term = signal.signal(signal.SIGTERM, stop)
    try:
        for index in range(workers + 1):
            start(index)
        Dispatcher(tcp, [mine for mine, _ in pairs]).start()
        while children:
            try:
                pid, _ = os.wait()
            except ChildProcessError:
                break
            index = children.pop(pid, -1)
            if index >= 0 and not stopping:
                time.sleep(0.5)  # a child that dies at once must not spin the CPU
                if not stopping:
                    start(index)
    finally:
        signal.signal(signal.SIGINT, old_int)
        signal.signal(signal.SIGTERM, old_term)
        tcp.close()
        forward.close()
        for mine, theirs in pairs:
            mine.close()
            theirs.close()
        cluster.remove()
    return 0
