"""The documented deployment's files (docs/deploy/), made to fit one machine: the deploy check's paths,
ports, names and secrets put in place of the examples', and nothing else changed.

The check runs these very files, so what docs/deploy.md shows is what is tried.
"""

import re
import shlex
from dataclasses import dataclass
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parent.parent.parent
DOCS = CHECKOUT / "docs" / "deploy"
SERVICE_USER = "tracker"  # the unit's User= and the crontab's user field


@dataclass
class Places:
    prefix: Path  # everything the check makes lives under here
    python: Path  # the virtualenv's Python
    user: str  # the service user the check made
    gunicorn_port: int
    https_port: int
    http_port: int

    def substitutions(self) -> list[tuple[str, str]]:
        """Example value -> this machine's, in order (the longer paths first)."""
        venv = str(self.python.parent.parent)
        return [
            ("/srv/tracker/.venv", venv),
            ("/srv/tracker", str(CHECKOUT)),
            ("/etc/tracker/tracker.env", str(self.prefix / "tracker.env")),
            ("/etc/ssl/tracker", str(self.prefix / "tls")),
            ("/var/lib/tracker-audit", str(self.prefix / "audit")),
            ("/var/lib/tracker", str(self.prefix / "lib")),
            ("/var/backups/tracker", str(self.prefix / "backups")),
            ("/var/log/tracker", str(self.prefix / "log")),
            ("127.0.0.1:8000", f"127.0.0.1:{self.gunicorn_port}"),
            ("tracker.example.police.uk", "tracker.example.test"),
        ]

    def fit(self, text: str) -> str:
        for example, here in self.substitutions():
            text = text.replace(example, here)
        return text


def read(name: str, places: Places | None) -> str:
    """A file of docs/deploy/, fitted to `places`, or as shipped when places is None."""
    text = (DOCS / name).read_text()
    return places.fit(text) if places else text


def nginx_site(places: Places) -> str:
    """The nginx site, listening on loopback high ports (IPv6 lines dropped: the check uses IPv4)."""
    text = read("nginx-tracker.conf", places)
    text = re.sub(r"^\s*listen \[::\]:.*\n", "", text, flags=re.MULTILINE)
    text = text.replace("listen 443 ", f"listen 127.0.0.1:{places.https_port} ")
    text = text.replace("listen 80;", f"listen 127.0.0.1:{places.http_port};")
    assert f":{places.https_port} ssl" in text and f":{places.http_port};" in text, "the listen lines changed"
    return text


def nginx_main(places: Places, site: Path) -> str:
    """What Debian's /etc/nginx/nginx.conf gives a site, in the check's own prefix (the system's nginx
    and its configuration are left alone)."""
    run = places.prefix / "nginx"
    return f"""worker_processes 1;
pid {run}/nginx.pid;
error_log {run}/error.log;
user www-data;
events {{ worker_connections 256; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log {run}/access.log;
    client_body_temp_path {run}/client_body;
    proxy_temp_path {run}/proxy;
    fastcgi_temp_path {run}/fastcgi;
    uwsgi_temp_path {run}/uwsgi;
    scgi_temp_path {run}/scgi;
    include {site};
}}
"""


def settings_file(places: Places, values: dict[str, str]) -> str:
    """tracker.env.example with `values` in place of its examples. Every key set must be in the
    example already: the check adds no setting the documentation does not show."""
    lines = read("tracker.env.example", places).splitlines()
    missing = set(values) - {line.split("=", 1)[0] for line in lines if "=" in line and not line.startswith("#")}
    if missing:
        raise AssertionError(f"tracker.env.example has no line for {sorted(missing)}")
    out = []
    for line in lines:
        key = line.split("=", 1)[0]
        out.append(f"{key}={values[key]}" if "=" in line and not line.startswith("#") and key in values else line)
    return "\n".join(out) + "\n"


def read_settings(path: Path) -> dict[str, str]:
    """KEY=value lines, as systemd's EnvironmentFile= and tracker-manage read them."""
    pairs = {}
    for line in path.read_text().splitlines():
        if line and not line.startswith("#") and "=" in line:
            key, value = line.split("=", 1)
            pairs[key] = value
    return pairs


@dataclass
class Unit:
    user: str
    working_directory: str
    environment_file: str
    start_pre: list[list[str]]
    start: list[str]


def unit(places: Places | None) -> Unit:
    fields: dict[str, list[str]] = {}
    for line in read("tracker.service", places).splitlines():
        if "=" in line and not line.startswith("#"):
            key, value = line.split("=", 1)
            fields.setdefault(key, []).append(value)
    return Unit(
        user=fields["User"][0],
        working_directory=fields["WorkingDirectory"][0],
        environment_file=fields["EnvironmentFile"][0],
        start_pre=[shlex.split(value) for value in fields.get("ExecStartPre", [])],
        start=shlex.split(fields["ExecStart"][0]),
    )


@dataclass
class Job:
    schedule: str
    user: str
    command: list[str]


def crontab(places: Places | None) -> tuple[dict[str, str], list[Job]]:
    """The crontab's variables and its jobs (commented-out lines are not jobs)."""
    variables, jobs = {}, []
    for line in read("tracker.cron", places).splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if re.match(r"^[A-Z_]+=", line):
            key, value = line.split("=", 1)
            variables[key] = value
            continue
        fields = line.split()
        jobs.append(Job(schedule=" ".join(fields[:5]), user=fields[5], command=fields[6:]))
    return variables, jobs
