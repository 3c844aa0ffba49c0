"""The deploy check's scheduled jobs: each line of docs/deploy/tracker.cron run once as cron would run it,
a restore practised as docs/deploy.md says, and a failing job seen to reach a person."""

import os
import pwd
import re
import subprocess  # nosec B404 - the site's own commands, through tracker-manage
from pathlib import Path

from tests.deploy import shape
from tests.deploy.system import DATABASE, POSTGRES, RESTORE_DATABASE, ROLE, SERVICE_USER, run


class Schedules:
    """Mixed into DeployCheck, whose set-up steps made the prefix, the settings and the service user."""

    def job(self, name: str) -> list[str]:
        _, jobs = shape.crontab(self.places)
        matching = [job for job in jobs if job.command[1:2] == [name]]
        assert len(matching) == 1, f"tracker.cron has {len(matching)} {name} lines"
        assert matching[0].user == shape.SERVICE_USER, matching[0].user
        return matching[0].command

    def run_job(self, command: list[str]) -> subprocess.CompletedProcess:
        return run(command, user=self.runs_as, env=self.cron_env(), check=False)

    def last_log_line(self) -> str:
        return Path(self.cron_env()["TRACKER_JOB_LOG"]).read_text().splitlines()[-1]

    def reminders(self):
        before = len(self.sink.messages)
        result = self.run_job(self.job("send_reminders"))
        assert result.returncode == 0 and not result.stdout + result.stderr, result.stderr
        assert " send_reminders OK (exit 0" in self.last_log_line()
        assert len(self.sink.messages) > before, "no email reached the relay"

    def notifications(self):
        """The submission and the sign-off above each wrote emails to the outbox: the every-minute job sends them."""
        before = len(self.sink.messages)
        result = self.run_job(self.job("send_notifications"))
        assert result.returncode == 0 and not result.stdout + result.stderr, result.stderr
        assert " send_notifications OK (exit 0" in self.last_log_line()
        assert len(self.sink.messages) > before, "no notification reached the relay"

    def backups(self):
        command = self.job("backup")
        keep = command.index("--keep")
        command[keep + 1] = "2"  # three nights' runs, keeping two (the crontab keeps 14)
        for _ in range(3):
            result = self.run_job(command)
            assert result.returncode == 0, result.stderr
        kept = sorted((self.prefix / "backups").glob("tracker-backup-*"))
        assert len(kept) == 2, [path.name for path in kept]
        self.newest_backup = kept[-1]

    def verify_audit(self):
        command = self.job("verify_audit")
        anchor = Path(command[command.index("--anchor") + 1])
        for run_number in (1, 2):
            result = self.run_job(command)
            assert result.returncode == 0, f"run {run_number}: {result.stderr}"
        assert anchor.is_file(), "no anchor written"

    def practise_restore(self):
        """docs/deploy.md, "Backups, and practising a restore": the newest backup into a scratch database
        and folder, with a copy of the settings that names them (made with the guide's sed)."""
        run([*POSTGRES, "-v", f"role={ROLE}", "-v", f"database={RESTORE_DATABASE}",
             "-f", str(shape.DOCS / "create-database.sql")])  # fmt: skip
        restore = self.prefix / "restore"
        restore.mkdir(mode=0o750)
        os.chown(restore, pwd.getpwnam(SERVICE_USER).pw_uid, -1)
        live = Path(self.cron_env()["TRACKER_ENV"])
        edits = [
            rf"s|^\(DATABASE_URL=.*\)/{DATABASE}$|\1/{RESTORE_DATABASE}|",
            f"s|^MEDIA_ROOT=.*|MEDIA_ROOT={restore}/media|",
        ]
        scratch = live.with_name("restore.env")
        scratch.write_text(run(["sed", "-e", edits[0], "-e", edits[1], str(live)]).stdout)
        scratch.chmod(0o640)
        os.chown(scratch, 0, pwd.getpwnam(SERVICE_USER).pw_gid)
        assert f"/{RESTORE_DATABASE}\n" in scratch.read_text(), "the scratch settings name the live database"
        self.manage("restore", str(self.newest_backup), "--no-input", user=self.runs_as, settings=scratch)
        self.manage("verify_audit", user=self.runs_as, settings=scratch)
        count = (
            "from tracker.models import Action, Evidence; "
            "print('RESULT:%s %s' % (Action.objects.count(), Evidence.objects.count()))"
        )
        now = self.result_of(count)
        out = self.manage("shell", "-c", count, user=self.runs_as, echo=True, settings=scratch).stdout
        assert f"RESULT:{now}" in out, (now, out[-300:])
        assert any((restore / "media").rglob("*.png")), "no evidence file restored"

    def failing_job(self):
        """A job that fails exits non-zero, says so on standard error (cron mails it) and in the log."""
        run([*POSTGRES, "-d", DATABASE, "-c", "UPDATE tracker_signoff SET comment = comment || ' (changed)'"])
        result = self.run_job(self.job("verify_audit")[:2])  # the chain check itself, without the anchor
        assert result.returncode != 0, "verify_audit passed a changed sign-off"
        assert re.search(r"tracker-manage verify_audit FAILED \(exit [1-9]", result.stderr), result.stderr[-300:]
        assert "FAILED" in self.last_log_line()
