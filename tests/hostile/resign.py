#!/usr/bin/env python3
"""Change a filesigs index and sign it again with the signer's (Ed25519)
key, so that a reader gets past the index signature to the part under
test.  Used by hostile.sh for hostile signature stores that only the key
holder could make: the point is that even those never give OK.

    resign.py KEY FILESIGS OP...

OPs, applied in order:
    record NAME FILE     FILE becomes the record file of package NAME:
                         copied to records/<sha256>.rec, its SHA-256 and
                         size put in NAME's index line
    size NAME N          NAME's record file size field becomes N
    nfiles NAME N        NAME's file count becomes N
    magic TEXT           the first line becomes TEXT
    repo TEXT            the repo line's value becomes TEXT
    repofill N           the repo line's value becomes N letters r
    dup NAME             NAME's package line twice
    reverse              the package lines in reverse order
"""
import base64
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile

DOMAIN = b'pkg-filesigs index 1\0'


def sign(key, msg):
    with tempfile.NamedTemporaryFile() as f:
        f.write(msg)
        f.flush()
        return subprocess.run(['openssl', 'pkeyutl', '-sign', '-rawin',
                               '-inkey', key, '-in', f.name], check=True,
                              stdout=subprocess.PIPE).stdout


def main():
    if len(sys.argv) < 3:
        raise SystemExit(__doc__)
    key, d = sys.argv[1], sys.argv[2]
    ops = sys.argv[3:]
    text = open(os.path.join(d, 'index'), 'rb').read()
    lines = text.split(b'\n')[:-1]
    if not lines[-1].startswith(b'sig '):
        raise SystemExit('resign.py: no signature line')
    lines = lines[:-1]
    P = [i for i, l in enumerate(lines) if l.startswith(b'P ')]

    def pline(name):
        for i in P:
            if lines[i].split(b' ')[1] == name.encode():
                return i
        raise SystemExit('resign.py: no package %s' % name)

    def setf(name, k, v):
        i = pline(name)
        f = lines[i].split(b' ')
        f[k] = v
        lines[i] = b' '.join(f)

    while ops:
        op = ops.pop(0)
        if op == 'record':
            name, path = ops.pop(0), ops.pop(0)
            data = open(path, 'rb').read()
            h = hashlib.sha256(data).hexdigest()
            dst = os.path.join(d, 'records', h + '.rec')
            if not os.path.exists(dst):
                shutil.copy(path, dst)
            setf(name, 8, h.encode())
            setf(name, 9, b'%d' % len(data))
        elif op == 'size':
            setf(ops.pop(0), 9, ops.pop(0).encode())
        elif op == 'nfiles':
            setf(ops.pop(0), 10, ops.pop(0).encode())
        elif op == 'magic':
            lines[0] = ops.pop(0).encode()
        elif op == 'repo':
            i = next(i for i, l in enumerate(lines) if l.startswith(b'repo '))
            lines[i] = b'repo ' + ops.pop(0).encode()
        elif op == 'repofill':
            i = next(i for i, l in enumerate(lines) if l.startswith(b'repo '))
            lines[i] = b'repo ' + b'r' * int(ops.pop(0))
        elif op == 'dup':
            i = pline(ops.pop(0))
            lines.insert(i + 1, lines[i])
            P = [j for j, l in enumerate(lines) if l.startswith(b'P ')]
        elif op == 'reverse':
            pl = [lines[i] for i in P][::-1]
            for i, l in zip(P, pl):
                lines[i] = l
        else:
            raise SystemExit('resign.py: unknown op %s' % op)
    body = b'\n'.join(lines) + b'\n'
    sig = base64.b64encode(sign(key, DOMAIN + body))
    with open(os.path.join(d, 'index'), 'wb') as f:
        f.write(body + b'sig ' + sig + b'\n')


if __name__ == '__main__':
    main()
