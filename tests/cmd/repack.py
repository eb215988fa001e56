#!/usr/bin/env python3
"""Rewrite a package archive with one change, keeping every other member
as it is (order, names, modes, owner and group names, link targets), the
+ members first.  Used to make packages whose payload no longer matches
their +MANIFEST.

    repack.py SRC DST [--replace PATH=FILE] [--drop PATH] [--add PATH=FILE]

SRC may be compressed with zstd, xz, bzip2 or gzip, or a plain tar; DST is
written as a zstd-compressed pax tar, as pkg 2.x writes packages.
"""
import argparse
import bz2
import gzip
import io
import lzma
import subprocess
import sys
import tarfile


def decompress(data):
    if data[:4] == b'\x28\xb5\x2f\xfd':
        return subprocess.run(['zstd', '-dcq'], input=data, check=True,
                              stdout=subprocess.PIPE).stdout
    if data[:6] == b'\xfd7zXZ\x00':
        return lzma.decompress(data)
    if data[:3] == b'BZh':
        return bz2.decompress(data)
    if data[:2] == b'\x1f\x8b':
        return gzip.decompress(data)
    return data


def key(name):
    return '/' + name.lstrip('/').rstrip('/')


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('src')
    ap.add_argument('dst')
    ap.add_argument('--replace', action='append', default=[])
    ap.add_argument('--drop', action='append', default=[])
    ap.add_argument('--add', action='append', default=[])
    a = ap.parse_args()
    replace = {key(p): f for p, f in (r.split('=', 1) for r in a.replace)}
    drop = {key(p) for p in a.drop}
    seen = set()

    raw = decompress(open(a.src, 'rb').read())
    src = tarfile.open(fileobj=io.BytesIO(raw), mode='r:')
    out = io.BytesIO()
    dst = tarfile.open(fileobj=out, mode='w:', format=tarfile.PAX_FORMAT,
                       encoding='utf-8')
    for m in src.getmembers():
        k = key(m.name)
        if k in drop:
            seen.add(k)
            continue
        if k in replace:
            seen.add(k)
            data = open(replace[k], 'rb').read()
            m.size = len(data)
            dst.addfile(m, io.BytesIO(data))
        elif m.isreg():
            dst.addfile(m, src.extractfile(m))
        else:
            dst.addfile(m)
    for spec in a.add:
        path, f = spec.split('=', 1)
        data = open(f, 'rb').read()
        ti = tarfile.TarInfo(path)
        ti.size = len(data)
        ti.mode = 0o644
        ti.uname, ti.gname = 'root', 'wheel'
        ti.mtime = 1700000000
        dst.addfile(ti, io.BytesIO(data))
    dst.close()
    missing = (set(replace) | drop) - seen
    if missing:
        sys.exit('repack.py: not in %s: %s' % (a.src, ', '.join(missing)))
    comp = subprocess.run(['zstd', '-qc', '-19'], input=out.getvalue(),
                          check=True, stdout=subprocess.PIPE).stdout
    open(a.dst, 'wb').write(comp)


main()
