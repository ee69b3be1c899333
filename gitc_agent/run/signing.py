"""Integrity of a run folder: a manifest of SHA-256 hashes, signed with Ed25519.

Design: `manifest.json` lists the SHA-256 of every file in the run folder (report, every rendered
format, every evidence file) and the previous report's hash; `manifest.json.sig` is a detached
Ed25519 signature over the exact bytes of the manifest. Signing the manifest (not each file)
covers the report and everything else with one signature, and verify can name the exact file
that changed. The report itself records the previous report's SHA-256, so the chain of runs is
tamper-evident even without signatures. A symlink is never listed: the writer refuses one.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from gitc_agent.errors import InputError
from gitc_agent.model.message import N_, msg
from gitc_agent.run.atomic import create_new, write_bytes_atomic
from gitc_agent.run.input_files import read_regular

MANIFEST = "manifest.json"
SIGNATURE = "manifest.json.sig"
MAX_KEY_BYTES = 64 * 1024  # a PEM key is a few hundred bytes
MANIFEST_SCHEMA = "gitc-agent/manifest/v1"
PRIVATE_NAME, PUBLIC_NAME = "gitc-agent-signing.key", "gitc-agent-signing.pub"


def sha256_file(path: Path) -> str:
    """Hash the file itself, never what a symlink put in its place points at."""
    digest = hashlib.sha256()
    with os.fdopen(os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0)), "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def walk_folder(folder: Path) -> Iterator[tuple[Path, str]]:
    """Every entry below `folder` with its kind (file, folder, symlink, special file), sorted.

    Links are never followed: what a symlink points at can change after signing, so neither the
    manifest writer nor verify may treat it as part of the run."""
    with os.scandir(folder) as entries:
        ordered = sorted(entries, key=lambda e: e.name)
    for entry in ordered:
        path = Path(entry.path)
        if entry.is_symlink():
            yield path, "symlink"
        elif entry.is_dir(follow_symlinks=False):
            yield path, "folder"
            yield from walk_folder(path)
        elif entry.is_file(follow_symlinks=False):
            yield path, "file"
        else:
            yield path, "special file"


def key_id(public: Ed25519PublicKey) -> str:
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()


def keygen(out_dir: Path) -> tuple[Path, Path]:
    """Write a new key pair; the private key is created 0600 and never overwrites a file."""
    out_dir.mkdir(parents=True, exist_ok=True)
    private_path, public_path = out_dir / PRIVATE_NAME, out_dir / PUBLIC_NAME
    for path in (private_path, public_path):
        if path.exists() or path.is_symlink():
            raise InputError(msg("refusing to overwrite an existing key file"), path)
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    public_pem = key.public_key().public_bytes(serialization.Encoding.PEM,
                                               serialization.PublicFormat.SubjectPublicKeyInfo)
    create_new(private_path, pem, 0o600)  # a full disk leaves no short key behind
    try:
        create_new(public_path, public_pem, 0o644)
    except BaseException:  # half a pair would block the next keygen: remove it
        private_path.unlink(missing_ok=True)
        raise
    return private_path, public_path


def load_private_key(path: Path) -> Ed25519PrivateKey:
    """Like the bind password file: refuse a key that others can read."""
    try:
        info = path.stat()
    except OSError as exc:
        raise InputError(msg("cannot read signing key: {reason}", reason=exc.strerror), path) from None
    data = read_regular(path, MAX_KEY_BYTES, N_("signing key"))
    if info.st_mode & 0o077:
        raise InputError(msg("signing key has mode {mode:04o}; others must not be able to read it "
                             "(chmod 600 {path})", mode=stat.S_IMODE(info.st_mode), path=path), path)
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError):
        raise InputError(msg("not an unencrypted PEM private key"), path) from None
    if not isinstance(key, Ed25519PrivateKey):
        raise InputError(msg("the signing key is not an Ed25519 key"), path)
    return key


def load_public_key(path: Path) -> Ed25519PublicKey:
    try:
        key = serialization.load_pem_public_key(read_regular(path, MAX_KEY_BYTES, N_("public key")))
    except ValueError:
        raise InputError(msg("not a PEM public key"), path) from None
    if not isinstance(key, Ed25519PublicKey):
        raise InputError(msg("the public key is not an Ed25519 key"), path)
    return key


def hash_folder(folder: Path) -> dict[str, str]:
    """Relative path -> SHA-256 of every regular file except the manifest and its signature.

    A symlink or special file is refused (InputError), not skipped: a manifest that left it out
    would sign a run folder whose content is not what it lists, so the run is not written."""
    files = {}
    for path, kind in walk_folder(folder):
        rel = path.relative_to(folder).as_posix()
        if kind in ("symlink", "special file"):
            raise InputError(msg("refusing to sign a run folder holding a {kind} (planted by another "
                                 "process?); the run was not written", kind=kind), path)
        if kind == "file" and rel not in (MANIFEST, SIGNATURE):
            files[rel] = sha256_file(path)
    return files


def write_manifest(folder: Path, report: dict[str, Any], key: Ed25519PrivateKey | None) -> None:
    """Hash everything already in the (staged) run folder, then sign the manifest if asked."""
    manifest: dict[str, Any] = {
        "schema": MANIFEST_SCHEMA, "run_id": report["run"]["id"], "algorithm": "sha256",
        "files": hash_folder(folder),
        "previous_report": report["run"].get("previous_report"),
        "signature": ({"algorithm": "ed25519", "file": SIGNATURE,
                       "public_key_sha256": key_id(key.public_key())} if key else None),
    }
    data = (json.dumps(manifest, indent=2, ensure_ascii=False) + "\n").encode()
    write_bytes_atomic(folder / MANIFEST, data)
    if key is not None:
        write_bytes_atomic(folder / SIGNATURE, base64.b64encode(key.sign(data)) + b"\n")


def check_signature(manifest_bytes: bytes, signature_text: bytes, public: Ed25519PublicKey) -> bool:
    try:
        public.verify(base64.b64decode(signature_text.strip(), validate=True), manifest_bytes)
    except (InvalidSignature, ValueError):
        return False
    return True
