#!/usr/bin/env python3
"""Install a benchmark repository into a root directory, as pkg would
leave it, for pkg-verify -a -r ROOT.

    mkroot.py REPODIR ROOT SCHEMA [--jobs J]

Every package of REPODIR/All is extracted into ROOT with `bsdtar -xpf`
(the + members left out); ROOT/var/db/pkg/local.sqlite is created with
SCHEMA (pkg's own schema, tests/fixtures/expected/local.sqlite.schema.sql)
and lists each package (name, version, origin and the NOT NULL columns)
and each of its files (path, sha256, owner, mode, package_id), taken from
its +MANIFEST; ROOT/etc/passwd and ROOT/etc/group map root and wheel to 0.

Prints the number of packages and files.  Python 3 standard library
only, plus bsdtar.
"""
import argparse
import concurrent.futures
import glob
import json
import os
import sqlite3
import subprocess
import sys


def url_decode(s):
    """pkg's decoding: %xx becomes a byte, any other '%' stays."""
    b = s.encode("utf-8")
    out = bytearray()
    i = 0
    hexd = b"0123456789abcdefABCDEF"
    while i < len(b):
        if b[i] == 0x25 and i + 2 < len(b) and b[i + 1] in hexd and \
                b[i + 2] in hexd:
            out.append(int(b[i + 1:i + 3], 16))
            i += 3
        else:
            out.append(b[i])
            i += 1
    return out.decode("utf-8")


def install(args):
    pkg, root = args
    manifest = subprocess.run(["bsdtar", "-xqOf", pkg, "+MANIFEST"],
                              check=True, stdout=subprocess.PIPE).stdout
    r = subprocess.run(["bsdtar", "-xpf", pkg, "-C", root, "--exclude",
                        "+*"], stderr=subprocess.PIPE)
    if r.returncode != 0:
        sys.stderr.buffer.write(r.stderr)
        raise RuntimeError("bsdtar failed on %s" % pkg)
    return json.loads(manifest)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("repodir")
    ap.add_argument("root")
    ap.add_argument("schema")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    a = ap.parse_args()
    pkgs = sorted(glob.glob(os.path.join(a.repodir, "All", "*.pkg")))
    if not pkgs:
        sys.exit("mkroot: no packages in %s/All" % a.repodir)
    os.makedirs(os.path.join(a.root, "etc"), exist_ok=True)
    os.makedirs(os.path.join(a.root, "var", "db", "pkg"), exist_ok=True)
    with open(os.path.join(a.root, "etc", "passwd"), "w") as f:
        f.write("root:*:0:0:Charlie &:/root:/bin/sh\n")
    with open(os.path.join(a.root, "etc", "group"), "w") as f:
        f.write("wheel:*:0:root\n")
    dbpath = os.path.join(a.root, "var", "db", "pkg", "local.sqlite")
    if os.path.exists(dbpath):
        os.unlink(dbpath)
    db = sqlite3.connect(dbpath)
    with open(a.schema) as f:
        db.executescript(f.read())
    nfiles = 0
    with concurrent.futures.ThreadPoolExecutor(a.jobs) as ex:
        for m in ex.map(install, [(p, a.root) for p in pkgs]):
            cur = db.execute(
                "INSERT INTO packages (origin, name, version, comment, "
                "desc, arch, maintainer, www, prefix, flatsize, automatic, "
                "licenselogic, time, pkg_format_version) VALUES "
                "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 1, 1700000000, 2)",
                (m["origin"], m["name"], m["version"], m["comment"],
                 m["desc"], m["abi"], m["maintainer"], m.get("www"),
                 m["prefix"], m["flatsize"]))
            pid = cur.lastrowid
            rows = []
            for k, v in m.get("files", {}).items():
                rows.append((url_decode(k), v["sum"], v.get("uname"),
                             v.get("gname"), int(v.get("perm", "0"), 8),
                             v.get("mtime"), v.get("symlink_target"), pid))
            db.executemany(
                "INSERT INTO files (path, sha256, uname, gname, perm, "
                "mtime, symlink_target, package_id) VALUES "
                "(?, ?, ?, ?, ?, ?, ?, ?)", rows)
            nfiles += len(rows)
    db.commit()
    db.close()
    print("mkroot: %d packages, %d files" % (len(pkgs), nfiles))


if __name__ == "__main__":
    main()
