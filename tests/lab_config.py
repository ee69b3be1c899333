"""Write gitc-agent config files that point at a running Samba lab."""

from __future__ import annotations

import os
from pathlib import Path

import yaml

from tests.lab.samba_lab import SambaLab


def password_file(folder: Path, secret: str, name: str = "bind.secret") -> Path:
    path = folder / name
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(secret + "\n")
    return path


def write_config(folder: Path, lab: SambaLab, *, user: str | None = None,
                 password: str | None = None, method: str = "simple",
                 servers: list[str] | None = None, ca_file: Path | None = None,
                 out_dir: Path | None = None, **ad_extra: object) -> Path:
    """A config binding as `user` (default: the domain administrator) over LDAPS."""
    folder.mkdir(parents=True, exist_ok=True)
    if method == "ntlm":
        user = user or lab.admin_ntlm_user
    bind: dict[str, object] = {"method": method}
    if method != "kerberos":
        bind["user"] = user or lab.admin_user
        secret = password if password is not None else lab.admin_password
        bind["password"] = {"file": str(password_file(folder, secret))}
    bind["service_host"] = f"{lab.hostname}.{lab.dns_domain}"
    config = {
        "ad": {"servers": servers or [lab.ldaps_url], "base_dn": lab.base_dn, "bind": bind,
               "ca_file": str(ca_file or lab.ca_file), "timeout_seconds": 10, **ad_extra},
        "output": {"dir": str(out_dir or folder / "reports")},
    }
    path = folder / "gitc-agent.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path
