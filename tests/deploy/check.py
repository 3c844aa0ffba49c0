"""make deploy-check: the deployment docs/deploy.md describes, stood up on this machine and tried.

Run as root from the checkout (`make deploy-check`, or `python -m tests.deploy.check`). It uses the
files in docs/deploy/ themselves, with this machine's paths, ports and names put in (tests/deploy/shape.py):
PostgreSQL with a least-privilege role (create-database.sql), the settings file (tracker.env.example),
gunicorn started with the unit's ExecStartPre and ExecStart lines as its own service user
(tracker.service; systemd itself is not used, it is rarely PID 1 in CI), Debian's nginx with a
self-signed certificate in front (nginx-tracker.conf, in its own prefix: the system's nginx is left
alone), and each job in the crontab (tracker.cron, through tracker-manage) run once. Then it signs in
over HTTPS and walks an action to signed off. Each step prints its time and PASS, FAIL or SKIP; the
exit status is 1 if any failed. Everything it made is removed at the end, whatever happened.
"""

import os
import pwd
import re
import secrets
import shutil
import signal
import subprocess  # nosec B404 - the check drives nginx, openssl, psql and the site's own commands
import sys
import tempfile
import time
from pathlib import Path

from tests.deploy import shape, web
from tests.deploy.jobs import Schedules
from tests.deploy.steps import Abort, Steps
from tests.deploy.system import (
    DATABASE,
    LOCKED,
    MB,
    OWNER,
    POSTGRES,
    RESTORE_DATABASE,
    REVIEWER,
    ROLE,
    SERVICE_USER,
    as_user,
    free_port,
    run,
    wait_for,
)  # fmt: skip


class DeployCheck(Schedules):
    def __init__(self):
        self.steps = Steps()
        self.prefix = Path(tempfile.mkdtemp(prefix="tracker-deploy-check-"))
        self.prefix.chmod(0o755)  # the service user and nginx's workers pass through it
        self.places = shape.Places(
            prefix=self.prefix,
            python=Path(sys.executable),
            user=SERVICE_USER,
            gunicorn_port=free_port(),
            https_port=free_port(),
            http_port=free_port(),
        )
        self.processes: list[subprocess.Popen] = []
        self.runs_as: str | None = SERVICE_USER  # None: as root, when the service user cannot run this Python
        self.nginx_conf = self.prefix / "nginx" / "nginx.conf"
        self.made_user = False
        self.sink = web.MailSink()
        self.password = secrets.token_urlsafe(16)

    # Running the site's commands -------------------------------------------------------------

    def cron_env(self) -> dict[str, str]:
        """What cron gives a job: the crontab's variables, a bare PATH; and the virtualenv's Python."""
        variables, _ = shape.crontab(self.places)
        return {"PATH": "/usr/bin:/bin", "HOME": str(self.prefix), **variables, "TRACKER_PYTHON": sys.executable}

    def manage(self, *args: str, user=None, echo=False, check=True, settings: Path | None = None, **env):
        """docs/deploy/tracker-manage, as the operator (root) or the service user; `env` goes before the
        command (KEY=value), `settings` is another settings file (TRACKER_ENV)."""
        extra = {"TRACKER_JOB_ECHO": "1"} if echo else {}
        if settings:
            extra["TRACKER_ENV"] = str(settings)
        command = [str(shape.DOCS / "tracker-manage"), *[f"{k}={v}" for k, v in env.items()], *args]
        return run(command, user=user, env={**self.cron_env(), **extra}, check=check)

    def result_of(self, code: str) -> str:
        out = self.manage("shell", "-c", code, echo=True).stdout
        return re.search(r"^RESULT:(.*)$", out, re.MULTILINE).group(1)

    def client(self, source: str = "127.0.0.1") -> web.Client:
        return web.Client(self.places.https_port, str(self.prefix / "tls" / "fullchain.pem"), source=source)

    # Setting up ------------------------------------------------------------------------------

    def tools(self):
        missing = [tool for tool in ("nginx", "openssl", "psql", "pg_dump", "pg_restore") if not shutil.which(tool)]
        if {"nginx", "openssl"} & set(missing):
            env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
            run(["apt-get", "update", "-q"], env=env)
            run(["apt-get", "install", "-y", "-q", "nginx", "openssl"], env=env)
        assert not (left := [tool for tool in missing if not shutil.which(tool)]), f"not installed: {left}"

    def certificate(self):
        tls = self.prefix / "tls"
        tls.mkdir(mode=0o700)
        run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", f"/CN={web.HOST}",
             "-addext", f"subjectAltName=DNS:{web.HOST}", "-keyout", str(tls / "privkey.pem"),
             "-out", str(tls / "fullchain.pem")])  # fmt: skip
        (tls / "fullchain.pem").chmod(0o644)
        tls.chmod(0o755)

    def service_user(self):
        try:
            pwd.getpwnam(SERVICE_USER)
        except KeyError:
            run(["useradd", "--system", "--no-create-home", "--home-dir", "/nonexistent",
                 "--shell", "/usr/sbin/nologin", SERVICE_USER])  # fmt: skip
            self.made_user = True
        owned = pwd.getpwnam(SERVICE_USER)
        for folder in ("lib/media", "audit", "backups", "log"):
            path = self.prefix / folder
            path.mkdir(parents=True, mode=0o750)
            for part in (path, path.parent) if folder == "lib/media" else (path,):
                os.chown(part, owned.pw_uid, owned.pw_gid)
        try:
            can_run = run([sys.executable, "-c", "import django"], user=SERVICE_USER, check=False, cwd="/").returncode
        except PermissionError:
            can_run = 126
        if can_run != 0:
            # E.g. a pyenv Python under /root (0700): a server's virtualenv is made from the system's Python.
            self.runs_as = None
        log = Path(self.cron_env()["TRACKER_JOB_LOG"])
        log.touch(mode=0o640)
        os.chown(log, owned.pw_uid, owned.pw_gid)

    def drop(self, check: bool = True) -> list[str]:
        problems = []
        for sql in (f"DROP DATABASE IF EXISTS {name}" for name in (RESTORE_DATABASE, DATABASE)):
            if run([*POSTGRES, "-c", sql], check=check).returncode != 0:
                problems.append(sql)
        if run([*POSTGRES, "-c", f"DROP ROLE IF EXISTS {ROLE}"], check=check).returncode != 0:
            problems.append(f"DROP ROLE {ROLE}")
        return problems

    def database(self):
        self.drop()
        run([*POSTGRES, "-v", f"role={ROLE}", "-v", f"password={self.password}", "-v", f"database={DATABASE}",
             "-f", str(shape.DOCS / "create-database.sql")])  # fmt: skip
        query = "SELECT rolsuper, rolcreatedb, rolcreaterole, rolreplication FROM pg_roles WHERE rolname = :'name'"
        powers = run([*POSTGRES, "-At", "-v", f"name={ROLE}"], input=query).stdout.strip()
        assert powers == "f|f|f|f", f"the role has powers it should not: {powers}"
        query = "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = :'name'"
        owner = run([*POSTGRES, "-At", "-v", f"name={DATABASE}"], input=query)
        assert owner.stdout.strip() == ROLE

    def settings(self):
        values = {
            "SECRET_KEY": secrets.token_urlsafe(50),
            "AUDIT_KEY": secrets.token_urlsafe(50),
            "DATABASE_URL": f"postgres://{ROLE}:{self.password}@127.0.0.1:5432/{DATABASE}",
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(self.sink.port),
            "EMAIL_USE_TLS": "0",  # the check's mail sink speaks plain SMTP, on loopback
            "EMAIL_HOST_USER": "",
            "EMAIL_HOST_PASSWORD": "",
        }
        path = Path(shape.unit(self.places).environment_file)
        path.write_text(shape.settings_file(self.places, values))
        path.chmod(0o640)
        os.chown(path, 0, pwd.getpwnam(SERVICE_USER).pw_gid)
        self.env = shape.read_settings(path)

    def start_gunicorn(self):
        unit = shape.unit(self.places)
        assert unit.user == shape.SERVICE_USER, unit.user
        env = {"PATH": "/usr/bin:/bin", **self.env}
        for command in unit.start_pre:
            result = run(command, user=self.runs_as, env=env, cwd=unit.working_directory, check=False)
            assert result.returncode == 0, f"ExecStartPre failed: {result.stdout[-800:]}{result.stderr[-800:]}"
        log = (self.prefix / "log" / "gunicorn.log").open("w")
        self.processes.append(
            subprocess.Popen(
                unit.start,
                **as_user(self.runs_as),
                env=env,
                cwd=unit.working_directory,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        )
        direct = web.Client(self.places.gunicorn_port, "", tls=False)
        wait_for(lambda: direct.get("/healthz").status == 200, "gunicorn")

    def start_nginx(self):
        site = self.prefix / "nginx" / "tracker.conf"
        (self.prefix / "nginx").mkdir()
        site.write_text(shape.nginx_site(self.places))
        self.nginx_conf.write_text(shape.nginx_main(self.places, site))
        prefix = ["nginx", "-p", str(self.prefix / "nginx"), "-c", str(self.nginx_conf)]
        run([*prefix, "-t", "-q"])
        run(prefix)
        wait_for(lambda: self.client().get("/healthz").status == 200, "nginx")

    # What is tried through HTTPS -------------------------------------------------------------

    def healthz(self):
        proxied = self.client().get("/healthz")
        direct = web.Client(self.places.gunicorn_port, "", tls=False).get("/healthz")
        assert (proxied.status, proxied.text.strip()) == (200, "ok"), (proxied.status, proxied.text[:200])
        assert (direct.status, direct.text.strip()) == (200, "ok"), (direct.status, direct.text[:200])
        plain = web.Client(self.places.http_port, "", tls=False).get("/actions/")
        assert plain.status == 301 and plain.header("Location") == f"https://{web.HOST}/actions/", plain.status

    def sign_in(self):
        self.owner = self.client()
        answer = self.owner.sign_in(OWNER, self.demo_password)
        assert answer.status == 302 and answer.header("Location") == "/", (answer.status, answer.text[:300])
        home = self.owner.get("/")
        assert home.status == 200, home.status
        self.home = home
        session = [line for line in self.owner.set_cookie_lines if line.startswith("sessionid=")]
        assert session and "Secure" in session[-1] and "HttpOnly" in session[-1], session

    def headers(self):
        expected = {
            "Strict-Transport-Security": "max-age=31536000; includeSubDomains; preload",
            "X-Frame-Options": "DENY",
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "same-origin",
            "Cache-Control": "no-store",
        }
        for name, value in expected.items():
            assert value in self.home.header(name), f"{name}: {self.home.header(name)!r}"
        assert "default-src 'self'" in self.home.header("Content-Security-Policy")
        assert re.fullmatch(r"[0-9a-f]{32}", self.home.header("X-Request-ID")), "nginx's $request_id is not used"
        assert self.home.header("Server") == "nginx", "server_tokens off: no version"

    def upload(self):
        self.action = int(self.result_of(
            "from tracker.models import Action; print('RESULT:%s' % Action.objects.filter(owner__username="
            f"'{OWNER}', status=Action.Status.IN_PROGRESS).order_by('pk').values_list('pk', flat=True).first())"
        ))  # fmt: skip
        path = f"/actions/{self.action}/evidence/"
        image = web.noise_png(9 * MB)
        assert 9 * MB <= len(image) < 10 * MB, len(image)
        files = {"file": ("control-room-audit.png", image, "image/png")}
        answer = self.owner.post_form(path, {"title": "Control room audit, 9 MB", "url": ""}, files)
        assert answer.status == 302, (answer.status, re.findall(r"govuk-error-message[^<]*<[^>]*>([^<]*)", answer.text))
        page = self.owner.get(f"/actions/{self.action}/").text
        link = re.search(rf'href="(/actions/{self.action}/evidence/\d+/)"', page).group(1)
        download = self.owner.get(link)
        assert download.status == 200 and web.sha256(download.body) == web.sha256(image), "the download differs"

    def too_large(self):
        path = f"/actions/{self.action}/evidence/"
        for size, by in ((11_000_000, "the app"), (12 * MB, "nginx")):
            files = {"file": ("big.png", b"\x89PNG" + bytes(size), "image/png")}
            answer = self.owner.post_form(path, {"title": "Too big", "url": ""}, files)
            assert answer.status == 413, f"{size} bytes: {answer.status}"
            said_by_app = "10 MB" in answer.text
            assert said_by_app == (by == "the app"), f"{size} bytes: refused by the wrong one ({answer.text[:200]})"

    def sign_off(self):
        submitted = self.owner.post_form(f"/actions/{self.action}/submit/", {"note": "The audit is attached."})
        assert submitted.status == 302, submitted.status
        # The reviewer's decision through the service, as `manage.py shell` would make it: a reviewer's
        # sign-in needs a second factor in production, which a script cannot give.
        status = self.result_of(
            "from tracker import services; from tracker.models import Action, User; "
            f"a = Action.objects.get(pk={self.action}); "
            f"services.sign_off_action(a, by=User.objects.get(username='{REVIEWER}'), comment='deploy-check'); "
            "print('RESULT:' + Action.objects.get(pk=a.pk).status)"
        )
        assert status == "signed_off", status
        assert "Signed off" in self.owner.get(f"/actions/{self.action}/").text

    def lockout(self):
        attacker, person = self.client("127.0.0.2"), self.client("127.0.0.3")
        for _ in range(5):
            wrong = attacker.sign_in(LOCKED, "not-the-password")
            assert wrong.status in (200, 429), wrong.status
        locked = attacker.sign_in(LOCKED, self.demo_password)
        assert locked.status == 429, f"no lockout from 127.0.0.2 after five failures ({locked.status})"
        answer = person.sign_in(LOCKED, self.demo_password)
        assert answer.status == 302, f"locked out from 127.0.0.3 too ({answer.status}): is TRUSTED_PROXIES used?"

    # The whole run ---------------------------------------------------------------------------

    def who(self) -> str:
        if self.runs_as:
            return f"as {self.runs_as}"
        return f"as root: {SERVICE_USER} cannot run {sys.executable}"

    def plan(self) -> list[tuple[str, object, bool]]:
        """Each step: what it shows ({who}: the user it runs the site as, known once the user is made), the
        method that shows it, and whether the rest needs it."""
        return [
            ("nginx, openssl and the PostgreSQL client tools are installed", self.tools, True),
            ("a self-signed certificate for the site's name", self.certificate, True),
            (f"a service user ({SERVICE_USER}) and its folders", self.service_user, True),
            ("database and role (create-database.sql): no superuser, createdb, createrole", self.database, True),
            ("the settings file from tracker.env.example (0640, root:service group)", self.settings, True),
            ("upgrade procedure: migrate, collectstatic (tracker-manage, as root)", self.install, True),
            ("demo accounts and plan (seed_demo: the check's data only, never in production)", self.seed, True),
            ("gunicorn: the unit's ExecStartPre (check --deploy), ExecStart, {who}", self.start_gunicorn, True),
            ("nginx: the site file with TLS, in its own prefix (nginx -t, then started)", self.start_nginx, True),
            ("/healthz through nginx (HTTPS) and gunicorn directly; HTTP redirects to HTTPS", self.healthz, False),
            ("sign in as an Action owner over HTTPS (CSRF, Secure HttpOnly session cookie)", self.sign_in, True),
            ("security headers, signed in: HSTS, CSP, frames, nosniff, referrer, no-store", self.headers, False),
            ("a 9 MB PNG uploaded as evidence through nginx, and downloaded the same", self.upload, True),
            ("11 MB refused with 413 by the app (its page gives the limit), 12 MB by nginx", self.too_large, False),
            ("submitted through the site; signed off by the reviewer (tracker-manage shell)", self.sign_off, False),
            ("five wrong passwords from 127.0.0.2 lock it there, not from 127.0.0.3", self.lockout, False),
            ("cron, {who}: send_reminders reaches the relay; OK in the log", self.reminders, False),
            ("cron: send_notifications delivers the outbox (submitted, signed off)", self.notifications, False),
            ("cron: nightly backup, three runs with --keep 2 leave two", self.backups, False),
            ("cron: verify_audit --anchor, twice (writes the head, then checks against it)", self.verify_audit, False),
            ("practising a restore: newest backup into a scratch database, verify_audit", self.practise_restore, False),
            (
                "a failing job (a changed sign-off) exits non-zero, to stderr, FAILED in the log",
                self.failing_job,
                False,
            ),
        ]

    def install(self):
        self.manage("migrate", "--noinput")
        self.manage("collectstatic", "--noinput")

    def seed(self):
        self.demo_password = secrets.token_urlsafe(16)
        self.manage("seed_demo", DEMO_PASSWORD=self.demo_password)

    def run(self) -> int:
        print(f"deploy-check: {shape.CHECKOUT}, as https://{web.HOST}/ on 127.0.0.1:{self.places.https_port}")
        try:
            with self.sink:
                for name, method, required in self.plan():
                    with self.steps.step(name.format(who=self.who()), required=required):
                        method()
                    if method == self.sign_off:
                        self.steps.mark("from the start (no database, no user, no server) to a signed-off action")
        except Abort:
            print("deploy-check: a setup step failed, so nothing after it was tried")
        finally:
            with self.steps.step("stopped everything; dropped the database and role; removed the user and files"):
                self.clean_up()
        print(self.steps.summary())
        return 1 if self.steps.failed else 0

    def clean_up(self):
        problems = []
        if self.nginx_conf.exists():
            run(["nginx", "-p", str(self.prefix / "nginx"), "-c", str(self.nginx_conf), "-s", "quit"], check=False)
        for process in self.processes:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
        pid = self.prefix / "nginx" / "nginx.pid"
        for _ in range(50):
            if not pid.exists():
                break
            time.sleep(0.1)
        problems += self.drop(check=False)
        if self.made_user:
            run(["userdel", SERVICE_USER], check=False)
        shutil.rmtree(self.prefix, ignore_errors=True)
        assert not problems, f"could not: {problems}"


def main() -> int:
    if os.geteuid() != 0:
        print("deploy-check: run as root (it makes a user, starts nginx and changes PostgreSQL)", file=sys.stderr)
        return 2
    # Stopped from outside (CI's timeout, kill): clean up all the same, as for Ctrl-C.
    signal.signal(signal.SIGTERM, stop)
    return DeployCheck().run()


def stop(signum, frame):
    raise KeyboardInterrupt(f"stopped by signal {signum}")


if __name__ == "__main__":
    sys.exit(main())
