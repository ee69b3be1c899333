"""A throwaway Samba AD domain controller on a loopback address, for tests against a real AD.

Why: the LDAP collectors must be tested against a real directory (paging, ACLs, PSO visibility,
TLS validation), not a mock. The DC listens on its own loopback address (default 127.0.0.2, all
of 127.0.0.0/8 is on ``lo``) with ``bind interfaces only``, so it never collides with services on
127.0.0.1, and keeps every runtime file (pid, sockets, logs) inside its work folder.

Provisioning takes seconds, so a freshly provisioned DC is cached (``GITC_LAB_CACHE``, default
``~/.cache/gitc-agent-lab``) and later labs copy it; ``smb.conf`` is always regenerated because it
is the only file with absolute paths in it.

Seeding runs ``samba-tool``/``ldb*`` tools directly on the DC's database (``-H sam.ldb``): no
network authentication, and the running server sees the change at once.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import ipaddress
import os
import secrets
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

DEFAULT_ADMIN_PASSWORD = "Lab-Admin-Passw0rd-2024!"
DEBIAN_PACKAGES = ("samba", "samba-ad-dc", "winbind", "ldb-tools", "smbclient", "krb5-user")
REQUIRED_PROGRAMS = ("samba", "samba-tool", "ldbsearch", "ldbmodify", "ldbdel")
#: Bump when the cached provision layout or provision options change.
CACHE_FORMAT = 2
#: Domain-object attributes that make up the default password policy (raw AD values).
PASSWORD_POLICY_ATTRIBUTES = (
    "minPwdLength",
    "pwdHistoryLength",
    "maxPwdAge",
    "minPwdAge",
    "lockoutThreshold",
    "lockoutDuration",
    "lockOutObservationWindow",
    "pwdProperties",
)
PSO_CONTAINER_RDN = "CN=Password Settings Container,CN=System"


class SambaLabError(RuntimeError):
    """The lab could not be provisioned, started or seeded."""


def missing_programs() -> list[str]:
    """Programs the lab needs that are not on PATH (also checks /usr/sbin, where samba lives)."""
    path = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/sbin"])
    return [name for name in REQUIRED_PROGRAMS if shutil.which(name, path=path) is None]


def _program(name: str) -> str:
    path = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/sbin"])
    found = shutil.which(name, path=path)
    if found is None:
        raise SambaLabError(
            f"{name} not found; install Debian packages: {' '.join(DEBIAN_PACKAGES)} "
            "(tests/lab/install.sh)"
        )
    return found


def ensure_loopback_address(address: str) -> None:
    """Put ``address`` on ``lo`` if it is not there yet.

    Samba binds only to addresses that an interface really carries; Linux answers the whole of
    127.0.0.0/8 but lists only 127.0.0.1 on ``lo``, so samba would find "no network interfaces".
    """
    if address == "127.0.0.1":
        return
    ip = shutil.which("ip", path=os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/sbin"]))
    if ip is None:
        raise SambaLabError("the 'ip' program (Debian package iproute2) is needed to add "
                            f"{address} to the loopback interface")
    shown = subprocess.run([ip, "-o", "addr", "show", "dev", "lo"], capture_output=True, text=True)
    if f"inet {address}/" in shown.stdout:
        return
    added = subprocess.run([ip, "addr", "add", f"{address}/32", "dev", "lo"],
                           capture_output=True, text=True)
    if added.returncode != 0 and "File exists" not in added.stderr:
        raise SambaLabError(f"cannot add {address} to lo (needs root): {added.stderr.strip()}")


def samba_version() -> str:
    """The installed Samba version string; part of the provision cache key."""
    out = subprocess.run([_program("samba"), "-V"], capture_output=True, text=True, check=True)
    return out.stdout.strip()


def _tool_env() -> dict[str, str]:
    """Environment for Samba's Python tools: they run on /usr/bin/python3, not our interpreter."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    env["PATH"] = os.pathsep.join(["/usr/bin", "/bin", "/usr/sbin", "/sbin", env.get("PATH", "")])
    return env


# --- TLS -----------------------------------------------------------------------------------------


def _write_key(path: Path, key: ec.EllipticCurvePrivateKey) -> None:
    """Write a private key readable by its owner only; Samba refuses group/world-readable keys."""
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)


def write_ca(directory: Path, common_name: str = "gitc-agent lab CA") -> tuple[Path, Path]:
    """Create a CA certificate and key in ``directory``; returns (ca.pem, ca.key).

    Also used by tests to make a *different* CA that must fail validation.
    """
    directory.mkdir(parents=True, exist_ok=True)
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = dt.datetime.now(dt.UTC)
    ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(ski, critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "ca.pem", directory / "ca.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    _write_key(key_path, key)
    return cert_path, key_path


def write_server_cert(
    directory: Path,
    ca_cert_path: Path,
    ca_key_path: Path,
    ip_addresses: Iterable[str],
    dns_names: Iterable[str],
) -> tuple[Path, Path]:
    """Issue a server certificate signed by the CA; returns (server.pem, server.key).

    The SubjectAltName carries the lab's IP and host names so that clients validate for real
    (hostname checking on, ``CERT_REQUIRED``).
    """
    ca_cert = x509.load_pem_x509_certificate(ca_cert_path.read_bytes())
    ca_key = serialization.load_pem_private_key(ca_key_path.read_bytes(), password=None)
    assert isinstance(ca_key, ec.EllipticCurvePrivateKey)
    key = ec.generate_private_key(ec.SECP256R1())
    dns = list(dns_names)
    san: list[x509.GeneralName] = [x509.DNSName(n) for n in dns]
    san += [x509.IPAddress(ipaddress.ip_address(a)) for a in ip_addresses]
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, dns[0])]))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.SubjectAlternativeName(san), critical=False)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    cert_path, key_path = directory / "server.pem", directory / "server.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    _write_key(key_path, key)
    return cert_path, key_path


# --- LDIF from ldbsearch -------------------------------------------------------------------------


def _parse_ldif(text: str) -> list[dict[str, list[str]]]:
    """Parse ldbsearch output into records (attribute names lower-cased; 'dn' included).

    Only what the lab needs: folded lines and plain values; base64 values are decoded as UTF-8.
    """
    import base64

    records: list[dict[str, list[str]]] = []
    current: dict[str, list[str]] = {}
    lines: list[str] = []
    for raw in text.splitlines():
        if raw.startswith(" ") and lines:
            lines[-1] += raw[1:]
        else:
            lines.append(raw)
    for line in lines:
        if not line.strip() or line.startswith("#"):
            if current:
                records.append(current)
                current = {}
            continue
        if line.startswith(("ref:", "ref ")):
            continue
        name, _, value = line.partition(":")
        if value.startswith(":"):
            value = base64.b64decode(value[1:].strip()).decode("utf-8", "replace")
        else:
            value = value.strip()
        current.setdefault(name.lower(), []).append(value)
    if current:
        records.append(current)
    return records


@dataclass(frozen=True)
class LabState:
    """What :meth:`SambaLab.restore` puts back: policy, objects present, group memberships."""

    password_settings: dict[str, str]
    object_dns: frozenset[str]
    group_members: dict[str, frozenset[str]]


# --- the lab -------------------------------------------------------------------------------------


class SambaLab:
    """Provision and run a Samba AD DC bound to one loopback address.

    Use as a context manager, or call :meth:`start` and :meth:`stop`.
    """

    def __init__(
        self,
        workdir: Path,
        address: str = "127.0.0.2",
        realm: str = "GITC.TEST",
        domain: str = "GITC",
        admin_password: str = DEFAULT_ADMIN_PASSWORD,
        *,
        hostname: str = "dc1",
        cache_dir: Path | None = None,
        use_cache: bool = True,
        server_services: str = "ldap, kdc",
        extra_options: dict[str, str] | None = None,
        start_timeout: float = 60.0,
    ) -> None:
        if not ipaddress.ip_address(address).is_loopback:
            raise ValueError(f"lab address must be a loopback address, got {address}")
        self.workdir = Path(workdir).resolve()
        self._address = address
        self._realm = realm.upper()
        self._domain = domain.upper()
        self._admin_password = admin_password
        self.hostname = hostname.lower()
        self.cache_dir = Path(
            cache_dir or os.environ.get("GITC_LAB_CACHE") or Path.home() / ".cache/gitc-agent-lab"
        )
        self.use_cache = use_cache
        self.server_services = server_services
        self.extra_options = dict(extra_options or {})
        self.start_timeout = start_timeout
        self._process: subprocess.Popen[bytes] | None = None
        #: Seconds spent on the last provision-or-copy and on the last start (for reporting).
        self.timings: dict[str, float] = {}

    # -- properties --------------------------------------------------------------------------

    @property
    def address(self) -> str:
        return self._address

    @property
    def realm(self) -> str:
        return self._realm

    @property
    def domain(self) -> str:
        """NetBIOS domain name (``GITC``)."""
        return self._domain

    @property
    def dns_domain(self) -> str:
        return self._realm.lower()

    @property
    def base_dn(self) -> str:
        return ",".join(f"DC={part}" for part in self.dns_domain.split("."))

    @property
    def pso_container_dn(self) -> str:
        return f"{PSO_CONTAINER_RDN},{self.base_dn}"

    @property
    def ldap_url(self) -> str:
        return f"ldap://{self._address}:389"

    @property
    def ldaps_url(self) -> str:
        return f"ldaps://{self._address}:636"

    @property
    def admin_user(self) -> str:
        """UPN of the domain administrator: works for simple binds."""
        return f"Administrator@{self._realm}"

    @property
    def admin_ntlm_user(self) -> str:
        """``DOMAIN\\Administrator``: the form ldap3's NTLM bind needs."""
        return f"{self._domain}\\Administrator"

    @property
    def admin_dn(self) -> str:
        return f"CN=Administrator,CN=Users,{self.base_dn}"

    @property
    def admin_password(self) -> str:
        return self._admin_password

    @property
    def smb_conf(self) -> Path:
        return self.workdir / "etc" / "smb.conf"

    @property
    def sam_ldb(self) -> Path:
        return self.workdir / "private" / "sam.ldb"

    @property
    def tls_dir(self) -> Path:
        return self.workdir / "tls"

    @property
    def ca_file(self) -> Path:
        """PEM of the CA that signed the DC's certificate: give it to clients that validate."""
        return self.tls_dir / "ca.pem"

    @property
    def krb5_conf(self) -> Path:
        """A krb5.conf pointing at this DC's KDC (``KRB5_CONFIG=...`` for kinit)."""
        return self.workdir / "etc" / "krb5.conf"

    @property
    def log_file(self) -> Path:
        return self.workdir / "log" / "samba.log"

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    # -- lifecycle ---------------------------------------------------------------------------

    def __enter__(self) -> SambaLab:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def start(self) -> None:
        """Provision (or copy from cache), configure TLS, run samba, wait until LDAPS answers."""
        if self.running:
            return
        missing = missing_programs()
        if missing:
            raise SambaLabError(
                f"missing programs {missing}; install Debian packages: "
                f"{' '.join(DEBIAN_PACKAGES)} (tests/lab/install.sh)"
            )
        ensure_loopback_address(self._address)
        self._check_address_free()
        if not self.sam_ldb.exists():
            began = time.monotonic()
            self._provision_or_copy()
            self.timings["provision_or_copy"] = time.monotonic() - began
        self._write_tls()
        self._write_configs()
        began = time.monotonic()
        self._launch()
        try:
            self._wait_ready()
        except BaseException:
            self.stop()
            raise
        self.timings["start"] = time.monotonic() - began

    def stop(self) -> None:
        """Kill samba's whole process group and reap it; safe to call twice."""
        process, self._process = self._process, None
        if process is None:
            return
        for sig, wait in ((signal.SIGTERM, 5.0), (signal.SIGKILL, 5.0)):
            try:
                os.killpg(process.pid, sig)
            except ProcessLookupError:
                break
            deadline = time.monotonic() + wait
            while time.monotonic() < deadline and self._group_alive(process.pid):
                process.poll()
                time.sleep(0.05)
            if not self._group_alive(process.pid):
                break
        process.wait(timeout=5)
        if process.stdin:
            process.stdin.close()

    @staticmethod
    def _group_alive(pgid: int) -> bool:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True

    def _check_address_free(self) -> None:
        for port in (389, 636, 88):
            with socket.socket() as sock:
                sock.settimeout(0.5)
                if sock.connect_ex((self._address, port)) == 0:
                    raise SambaLabError(
                        f"{self._address}:{port} is already in use (another lab still running?)"
                    )

    # -- provisioning ------------------------------------------------------------------------

    def _cache_key(self) -> str:
        material = "|".join(
            [
                str(CACHE_FORMAT),
                samba_version(),
                self._realm,
                self._domain,
                self.hostname,
                self._admin_password,
            ]
        )
        return hashlib.sha256(material.encode()).hexdigest()[:16]

    def _provision(self, target: Path) -> None:
        target.mkdir(parents=True, exist_ok=True)
        cmd = [
            _program("samba-tool"),
            "domain",
            "provision",
            f"--realm={self._realm}",
            f"--domain={self._domain}",
            f"--host-name={self.hostname}",
            "--server-role=dc",
            "--dns-backend=NONE",
            "--use-rfc2307",
            f"--adminpass={self._admin_password}",
            f"--targetdir={target}",
            "--option=interfaces=lo",
            "--option=bind interfaces only=yes",
        ]
        result = subprocess.run(cmd, capture_output=True, text=True, env=_tool_env())
        if result.returncode != 0:
            raise SambaLabError(
                f"samba-tool domain provision failed ({result.returncode}):\n"
                + _tail(result.stdout + result.stderr)
            )
        # Real DCs register ldap/<fqdn> at start-up (samba_spnupdate); this lab runs without
        # that service, so a Kerberos LDAP bind would find no service principal.
        spn = [_program("samba-tool"), "spn", "add", f"ldap/{self.hostname}.{self.dns_domain}",
               f"{self.hostname.upper()}$", "-H", str(target / "private" / "sam.ldb"),
               "-s", str(target / "etc" / "smb.conf")]
        result = subprocess.run(spn, capture_output=True, text=True, env=_tool_env())
        if result.returncode != 0:
            raise SambaLabError("samba-tool spn add failed:\n" + _tail(result.stdout + result.stderr))

    def _provision_or_copy(self) -> None:
        """Copy a cached fresh provision into the workdir, provisioning into the cache first."""
        if not self.use_cache:
            self._provision(self.workdir)
            return
        cached = self.cache_dir / f"dc-{self._cache_key()}"
        if not (cached / "private" / "sam.ldb").exists():
            self.cache_dir.mkdir(parents=True, exist_ok=True)
            staging = Path(tempfile.mkdtemp(prefix="provision-", dir=self.cache_dir))
            try:
                began = time.monotonic()
                self._provision(staging / "dc")
                self.timings["provision"] = time.monotonic() - began
                # another process may have cached it first: then use theirs
                with contextlib.suppress(OSError):
                    (staging / "dc").rename(cached)
            finally:
                shutil.rmtree(staging, ignore_errors=True)
        began = time.monotonic()
        shutil.copytree(cached, self.workdir, symlinks=True, dirs_exist_ok=True)
        self.timings["copy"] = time.monotonic() - began

    def _write_tls(self) -> None:
        if self.ca_file.exists() and (self.tls_dir / "server.pem").exists():
            return
        ca_cert, ca_key = write_ca(self.tls_dir)
        write_server_cert(
            self.tls_dir,
            ca_cert,
            ca_key,
            ip_addresses=[self._address],
            dns_names=[
                f"{self.hostname}.{self.dns_domain}",
                self.hostname,
                "localhost",
                self.dns_domain,
            ],
        )

    def smb_conf_options(self) -> dict[str, str]:
        """The [global] options of the generated smb.conf (after ``extra_options``)."""
        w = self.workdir
        run = w / "run"
        options = {
            "netbios name": self.hostname.upper(),
            "workgroup": self._domain,
            "realm": self._realm,
            "server role": "active directory domain controller",
            "server services": self.server_services,
            "interfaces": self._address,
            "bind interfaces only": "yes",
            "disable netbios": "yes",
            "private dir": str(w / "private"),
            "lock directory": str(w),
            "state directory": str(w / "state"),
            "cache directory": str(w / "cache"),
            "binddns dir": str(w / "bind-dns"),
            "pid directory": str(run),
            "ncalrpc dir": str(run / "ncalrpc"),
            "winbindd socket directory": str(run / "winbindd"),
            "ntp signd socket directory": str(run / "ntp_signd"),
            "log file": str(self.log_file),
            "logging": "file",
            "log level": "1",
            "max log size": "0",
            "tls enabled": "yes",
            "tls keyfile": str(self.tls_dir / "server.key"),
            "tls certfile": str(self.tls_dir / "server.pem"),
            "tls cafile": str(self.ca_file),
            "idmap_ldb:use rfc2307": "yes",
            # Like Windows: SASL binds (NTLM, Kerberos) are accepted over TLS without SASL
            # signing. Samba's default 'yes' refuses them there, leaving only simple binds.
            "ldap server require strong auth": "allow_sasl_over_tls",
        }
        options.update(self.extra_options)
        return options

    def _write_configs(self) -> None:
        """(Re)write smb.conf and krb5.conf: the only files with absolute paths in them."""
        for sub in ("etc", "run", "log", "cache", "state", "bind-dns"):
            (self.workdir / sub).mkdir(parents=True, exist_ok=True)
        lines = ["# generated by tests/lab/samba_lab.py", "[global]"]
        lines += [f"\t{key} = {value}" for key, value in self.smb_conf_options().items()]
        sysvol = self.workdir / "state" / "sysvol"
        lines += ["", "[sysvol]", f"\tpath = {sysvol}", "\tread only = No"]
        lines += ["", "[netlogon]", f"\tpath = {sysvol / self.dns_domain / 'scripts'}"]
        lines += ["\tread only = No", ""]
        self.smb_conf.write_text("\n".join(lines))
        self.krb5_conf.write_text(
            "[libdefaults]\n"
            f"\tdefault_realm = {self._realm}\n"
            "\tdns_lookup_realm = false\n"
            "\tdns_lookup_kdc = false\n"
            "\trdns = false\n"
            "[realms]\n"
            f"\t{self._realm} = {{\n"
            f"\t\tkdc = {self._address}\n"
            f"\t\tadmin_server = {self._address}\n"
            "\t}\n"
            "[domain_realm]\n"
            f"\t.{self.dns_domain} = {self._realm}\n"
            f"\t{self.dns_domain} = {self._realm}\n"
        )

    # -- running -----------------------------------------------------------------------------

    def _launch(self) -> None:
        """Run samba interactively in its own session.

        ``-i`` makes samba exit when its stdin closes: we hold the pipe, so if the test process
        dies, samba follows (no leftover DC).
        """
        stdout_log = self.workdir / "log" / "samba.stdout"
        with stdout_log.open("ab") as out:
            self._process = subprocess.Popen(
                [_program("samba"), "-i", "-s", str(self.smb_conf), "--debug-stdout"],
                stdin=subprocess.PIPE,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                env=_tool_env(),
                cwd=self.workdir,
            )

    def _wait_ready(self) -> None:
        context = ssl.create_default_context(cafile=str(self.ca_file))
        deadline = time.monotonic() + self.start_timeout
        last_error = ""
        while time.monotonic() < deadline:
            if self._process is None or self._process.poll() is not None:
                code = self._process.returncode if self._process else None
                raise SambaLabError(
                    f"samba exited with {code} before LDAPS was up; log tail:\n{self.log_tail()}"
                )
            try:
                with (
                    socket.create_connection((self._address, 636), timeout=1) as raw,
                    context.wrap_socket(raw, server_hostname=self._address),
                ):
                    return
            except (OSError, ssl.SSLError) as exc:
                last_error = repr(exc)
            time.sleep(0.1)
        raise SambaLabError(
            f"LDAPS on {self._address}:636 not up within {self.start_timeout:.0f} s "
            f"(last error {last_error}); log tail:\n{self.log_tail()}"
        )

    def log_tail(self, lines: int = 40) -> str:
        parts = []
        for path in (self.workdir / "log" / "samba.stdout", self.log_file):
            if path.exists():
                parts.append(f"--- {path}\n" + _tail(path.read_text(errors="replace"), lines))
        return "\n".join(parts) or "(no samba log)"

    def listening_endpoints(self) -> set[tuple[str, int]]:
        """TCP (address, port) pairs samba's processes listen on; proves the loopback binding."""
        if self._process is None:
            return set()
        pids = _process_group_pids(self._process.pid)
        inodes: set[str] = set()
        for pid in pids:
            try:
                for fd in Path(f"/proc/{pid}/fd").iterdir():
                    target = os.readlink(fd)
                    if target.startswith("socket:["):
                        inodes.add(target[8:-1])
            except (FileNotFoundError, PermissionError):
                continue
        return {ep for ep, inode in _listening_tcp() if inode in inodes}

    # -- seeding -----------------------------------------------------------------------------

    def samba_tool(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        """Run ``samba-tool ARGS -H sam.ldb -s smb.conf`` on the DC's own database."""
        cmd = [_program("samba-tool"), *args, "-H", str(self.sam_ldb), "-s", str(self.smb_conf)]
        result = subprocess.run(cmd, capture_output=True, text=True, env=_tool_env())
        if check and result.returncode != 0:
            raise SambaLabError(
                f"samba-tool {' '.join(args)} failed ({result.returncode}):\n"
                + _tail(result.stdout + result.stderr)
            )
        return result

    def ldb(self, tool: str, *args: str, stdin: str | None = None) -> str:
        """Run ``ldbsearch``/``ldbmodify``/``ldbdel`` on sam.ldb (fast: no Python start-up)."""
        cmd = [_program(tool), "-H", str(self.sam_ldb), f"--configfile={self.smb_conf}", *args]
        result = subprocess.run(cmd, capture_output=True, text=True, input=stdin, env=_tool_env())
        if result.returncode != 0:
            raise SambaLabError(
                f"{tool} {' '.join(args)} failed ({result.returncode}):\n"
                + _tail(result.stdout + result.stderr)
            )
        return result.stdout

    def search(
        self, base: str, ldap_filter: str = "(objectClass=*)", scope: str = "sub", *attrs: str
    ) -> list[dict[str, list[str]]]:
        """Search sam.ldb directly (as the system); records keyed by lower-cased attribute."""
        out = self.ldb("ldbsearch", "-b", base, "-s", scope, ldap_filter, *attrs)
        return _parse_ldif(out)

    @staticmethod
    def strong_password() -> str:
        """A 40-character password that meets complexity and any plausible minimum length."""
        return "Lab-" + secrets.token_urlsafe(27)[:32] + "a1A!"

    def create_user(self, name: str, password: str | None = None, **options: str | bool) -> str:
        """Create a user; returns its password (a strong random one unless given).

        ``options`` map to ``samba-tool user create`` flags: ``description="x"`` becomes
        ``--description=x``, ``must_change_at_next_login=True`` becomes a bare flag.
        """
        password = password or self.strong_password()
        self.samba_tool("user", "create", name, password, *_flags(options))
        return password

    def create_group(self, name: str, **options: str | bool) -> None:
        """Create a group (``samba-tool group add``; e.g. ``group_scope="Domain"``)."""
        self.samba_tool("group", "add", name, *_flags(options))

    def add_members(self, group: str, *members: str) -> None:
        """Add users/groups (by sAMAccountName) to a group."""
        self.samba_tool("group", "addmembers", group, ",".join(members))

    def set_domain_password_settings(
        self,
        min_length: int | None = None,
        history: int | None = None,
        max_age_days: int | None = None,
        lockout_threshold: int | None = None,
        complexity: bool | None = None,
        min_age_days: int | None = None,
    ) -> None:
        """Change the default domain password policy; arguments left None stay as they are."""
        options: dict[str, str | bool | None] = {
            "min_pwd_length": _opt(min_length),
            "history_length": _opt(history),
            "max_pwd_age": _opt(max_age_days),
            "min_pwd_age": _opt(min_age_days),
            "account_lockout_threshold": _opt(lockout_threshold),
            "complexity": None if complexity is None else ("on" if complexity else "off"),
        }
        flags = _flags({k: v for k, v in options.items() if v is not None})
        if flags:
            self.samba_tool("domain", "passwordsettings", "set", *flags)

    def create_pso(
        self, name: str, precedence: int, min_length: int | None = None, **options: str | int
    ) -> str:
        """Create a PSO; returns its DN. ``options``: ``history_length=24``, ``complexity="off"``,
        ``max_pwd_age=42``, ``account_lockout_threshold=5``... (``pso create`` flags)."""
        if min_length is not None:
            options["min_pwd_length"] = min_length
        flags = _flags({k: str(v) for k, v in options.items()})
        self.samba_tool("domain", "passwordsettings", "pso", "create", name, str(precedence), *flags)
        return f"CN={name},{self.pso_container_dn}"

    def kinit_admin(self, env: dict[str, str]) -> None:
        """Get a Kerberos ticket for the administrator into ``env['KRB5CCNAME']``."""
        kinit = shutil.which("kinit")
        if kinit is None:
            raise SambaLabError("kinit not found; install Debian package krb5-user")
        result = subprocess.run([kinit, f"Administrator@{self._realm}"], input=self._admin_password + "\n",
                                capture_output=True, text=True, env={**os.environ, **env})
        if result.returncode != 0:
            raise SambaLabError(f"kinit failed: {result.stderr.strip()}")

    def export_keytab(self, path: Path, principal: str) -> Path:
        """Write the DC's current keys for ``principal`` (e.g. ``HTTP/host``) to a keytab file:
        what a service that accepts Kerberos tickets from this KDC is given."""
        path.unlink(missing_ok=True)
        cmd = [_program("samba-tool"), "domain", "exportkeytab", str(path),
               f"--principal={principal}", "-s", str(self.smb_conf)]
        result = subprocess.run(cmd, capture_output=True, text=True, env=_tool_env())
        if result.returncode != 0 or not path.is_file() or path.stat().st_size == 0:
            raise SambaLabError(f"samba-tool domain exportkeytab {principal} failed "
                                f"({result.returncode}):\n" + _tail(result.stdout + result.stderr))
        return path

    def apply_pso(self, name: str, group_or_user: str) -> None:
        self.samba_tool("domain", "passwordsettings", "pso", "apply", name, group_or_user)

    def delete_pso(self, name: str) -> None:
        self.samba_tool("domain", "passwordsettings", "pso", "delete", name)

    # -- reverting ---------------------------------------------------------------------------

    def domain_password_settings(self) -> dict[str, str]:
        """Raw password-policy attributes of the domain object (e.g. maxPwdAge in 100 ns)."""
        (record,) = self.search(self.base_dn, "(objectClass=*)", "base", *PASSWORD_POLICY_ATTRIBUTES)
        by_lower = {a.lower(): a for a in PASSWORD_POLICY_ATTRIBUTES}
        return {by_lower[k]: v[0] for k, v in record.items() if k in by_lower}

    def snapshot(self) -> LabState:
        """Record policy, users/groups/computers/PSOs and group memberships, for :meth:`restore`."""
        records = self.search(
            self.base_dn,
            "(|(objectClass=user)(objectClass=group)(objectClass=msDS-PasswordSettings))",
            "sub",
            "objectClass",
            "member",
        )
        groups = {
            r["dn"][0]: frozenset(r.get("member", []))
            for r in records
            if "group" in r.get("objectclass", [])
        }
        return LabState(
            password_settings=self.domain_password_settings(),
            object_dns=frozenset(r["dn"][0] for r in records),
            group_members=groups,
        )

    def restore(self, state: LabState) -> None:
        """Undo changes since ``state``: delete new users/groups/PSOs, reset memberships of the
        groups that existed, and put the domain password policy back exactly."""
        now = self.snapshot()
        for dn in sorted(now.object_dns - state.object_dns, key=len, reverse=True):
            self.ldb("ldbdel", dn)
        changes = []
        for dn, members in state.group_members.items():
            if now.group_members.get(dn, members) != members:
                change = [f"dn: {dn}", "changetype: modify", "replace: member"]
                change += [f"member: {m}" for m in sorted(members)]
                changes.append("\n".join([*change, "-"]))
        if now.password_settings != state.password_settings:
            change = [f"dn: {self.base_dn}", "changetype: modify"]
            for attr, value in state.password_settings.items():
                change += [f"replace: {attr}", f"{attr}: {value}", "-"]
            changes.append("\n".join(change))
        if changes:
            self.ldb("ldbmodify", stdin="\n\n".join(changes) + "\n")


# --- helpers -------------------------------------------------------------------------------------


def _opt(value: int | None) -> str | None:
    return None if value is None else str(value)


def _flags(options: dict[str, str | bool | None] | dict[str, str] | dict[str, str | bool]) -> list[str]:
    """``{"min_pwd_length": "8", "quiet": True}`` -> ``["--min-pwd-length=8", "--quiet"]``."""
    flags = []
    for key, value in options.items():
        flag = "--" + key.replace("_", "-")
        if value is True:
            flags.append(flag)
        elif value not in (None, False):
            flags.append(f"{flag}={value}")
    return flags


def _tail(text: str, lines: int = 40) -> str:
    return "\n".join(text.splitlines()[-lines:])


def _process_group_pids(pgid: int) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # fields after the parenthesised command: state ppid pgrp ...
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[2]) == pgid:
            pids.append(int(entry.name))
    return pids


def _listening_tcp() -> Iterator[tuple[tuple[str, int], str]]:
    """((address, port), inode) for every listening TCP socket, from /proc/net/tcp{,6}."""
    for name, family in (("tcp", socket.AF_INET), ("tcp6", socket.AF_INET6)):
        try:
            rows = Path(f"/proc/net/{name}").read_text().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            fields = row.split()
            if fields[3] != "0A":  # TCP_LISTEN
                continue
            host_hex, port_hex = fields[1].split(":")
            raw = bytes.fromhex(host_hex)
            # /proc prints each 32-bit word in host (little-endian) order
            raw = b"".join(raw[i : i + 4][::-1] for i in range(0, len(raw), 4))
            yield (socket.inet_ntop(family, raw), int(port_hex, 16)), fields[9]


