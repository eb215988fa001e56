#!/usr/bin/env python3
"""Make hostile package archives for tests/hostile/hostile.sh.

    mkpkg.py CASE OUT          write the package CASE to OUT
    mkpkg.py --list            the cases, one a line

Every case starts from a small valid package, hostile-1.0, made the way
pkg 2.x makes one: a pax tar, +COMPACT_MANIFEST and +MANIFEST first, then
the payload with absolute names, owner root:wheel, compressed with zstd;
the +MANIFEST gives each file's "1$<sha256 hex>" sum, uname, gname and
perm.  Then the case breaks one thing.  "base" breaks nothing (the
control), "many-files" and "bomb" are packages pkg can build and must be
signed.

Environment: HOSTILE_MANY (files for many-files, default 100000),
HOSTILE_BOMB_GB (size of the zero-filled file of bomb, default 10).
"""
import hashlib
import io
import json
import os
import subprocess
import sys
import tarfile

NAME, VERSION = 'hostile', '1.0'
MTIME = 1700000000


def sum_of(data):
    return '1$' + hashlib.sha256(data).hexdigest()


class E:
    """One payload entry: f(ile), d(ir), l(ink), h(ard link), c(har
    device), p (fifo)."""

    def __init__(self, path, kind='f', data=b'', mode=None, target=None,
                 uname='root', gname='wheel', listed=True, sum=None):
        self.path, self.kind, self.data = path, kind, data
        self.mode = mode if mode is not None else (
            0o755 if kind == 'd' else 0o777 if kind == 'l' else 0o644)
        self.target, self.uname, self.gname = target, uname, gname
        self.listed, self.sum = listed, sum


def base_entries():
    return [
        E('/usr/local/bin/hostile', data=b'#!/bin/sh\necho hostile\n',
          mode=0o755),
        E('/usr/local/share/hostile/README', data=b'readme\n'),
        E('/usr/local/share/hostile', 'd'),
    ]


def symlink_sum(target):
    """pkg's sum of a symlink: the target without its leading '/'s, NUL
    padded to the target's length."""
    t = target.encode('utf-8', 'surrogateescape')
    s = t.lstrip(b'/')
    return sum_of(s + b'\0' * (len(t) - len(s)))


def manifest_of(entries, **extra):
    m = {
        'name': NAME, 'origin': 'misc/hostile', 'version': VERSION,
        'comment': 'hostile test package', 'maintainer': 'ports@example.org',
        'www': 'https://example.org/', 'abi': 'FreeBSD:14:amd64',
        'arch': 'freebsd:14:x86:64', 'prefix': '/usr/local',
        'flatsize': sum(len(e.data) for e in entries),
        'desc': 'A package made to be refused.',
        'files': {}, 'directories': {},
    }
    for e in entries:
        if not e.listed:
            continue
        meta = {'uname': e.uname, 'gname': e.gname, 'perm': '%04o' % e.mode}
        if e.kind == 'd':
            m['directories'][e.path] = meta
            continue
        if e.sum is not None:
            s = e.sum
        elif e.kind == 'l':
            s = symlink_sum(e.target)
            meta['symlink_target'] = e.target
        elif e.kind == 'h':
            s = sum_of(next(x.data for x in entries if x.path == e.target))
        else:
            s = sum_of(e.data)
        m['files'][e.path] = dict(sum=s, **meta)
    m.update(extra)
    return m


def tarinfo(e, binary=True):
    ti = tarfile.TarInfo(e.path)
    if binary and not e.path.isascii():
        # As pkg writes them (hdrcharset=BINARY): the name's bytes as they
        # are, whatever the reader's locale.
        ti.pax_headers = {'hdrcharset': 'BINARY'}
    ti.mode, ti.uname, ti.gname, ti.mtime = e.mode, e.uname, e.gname, MTIME
    ti.type = {'f': tarfile.REGTYPE, 'd': tarfile.DIRTYPE,
               'l': tarfile.SYMTYPE, 'h': tarfile.LNKTYPE,
               'c': tarfile.CHRTYPE, 'p': tarfile.FIFOTYPE}[e.kind]
    if e.kind in 'lh':
        ti.linkname = e.target
    if e.kind == 'c':
        ti.devmajor, ti.devminor = 1, 3
    if e.kind == 'f':
        ti.size = len(e.data)
    return ti


def meta_member(tf, name, text):
    ti = tarfile.TarInfo(name)
    ti.size, ti.mode, ti.uname, ti.gname = len(text), 0o644, 'root', 'wheel'
    tf.addfile(ti, io.BytesIO(text))


def tar_bytes(entries, mtext, compact=True, binary=True):
    out = io.BytesIO()
    tf = tarfile.open(fileobj=out, mode='w:', format=tarfile.PAX_FORMAT,
                      encoding='utf-8', errors='surrogateescape')
    if compact:
        meta_member(tf, '+COMPACT_MANIFEST', b'{"name":"hostile"}')
    meta_member(tf, '+MANIFEST', mtext)
    for e in entries:
        ti = tarinfo(e, binary)
        tf.addfile(ti, io.BytesIO(e.data) if e.kind == 'f' else None)
    tf.close()
    return out.getvalue()


def zstd(data):
    return subprocess.run(['zstd', '-q', '-c', '-3'], input=data, check=True,
                          stdout=subprocess.PIPE).stdout


def mtext_of(m):
    return json.dumps(m, separators=(',', ':')).encode()


def pkg(entries, m=None, mtext=None, compress=True):
    if mtext is None:
        mtext = mtext_of(m if m is not None else manifest_of(entries))
    t = tar_bytes(entries, mtext)
    return zstd(t) if compress else t


def set_size(tar, name, size):
    """Rewrite the ustar size field of member NAME, fixing the checksum."""
    off = 0
    while off + 512 <= len(tar):
        hdr = bytearray(tar[off:off + 512])
        if hdr == bytearray(512):
            break
        n = hdr[0:100].rstrip(b'\0').decode('utf-8', 'replace')
        real = int(hdr[124:136].rstrip(b'\0 ') or b'0', 8)
        if n.lstrip('/') == name.lstrip('/') and hdr[156:157] in (b'0', b'\0'):
            hdr[124:136] = b'%011o\0' % size
            hdr[148:156] = b' ' * 8
            hdr[148:156] = b'%06o\0 ' % sum(hdr)
            return tar[:off] + bytes(hdr) + tar[off + 512:]
        off += 512 + (real + 511) // 512 * 512
    raise SystemExit('set_size: %s not found' % name)


# --- the cases -------------------------------------------------------------

CASES = {}


def case(f):
    CASES[f.__name__.replace('_', '-')] = f
    return f


@case
def base():
    return pkg(base_entries())


@case
def truncated():
    p = base()
    return p[:len(p) // 2]


@case
def corrupt_zstd():
    p = bytearray(base())
    for i in range(len(p) // 3, len(p) - 8, 7):
        p[i] ^= 0x5a
    return bytes(p)


@case
def not_archive():
    return b'This is not a package archive at all.\n' * 40


@case
def random_bytes():
    return hashlib.sha512(b'seed').digest() * 200


@case
def manifest_not_json():
    return pkg(base_entries(), mtext=b'{"name": "hostile", "version": ')


@case
def manifest_ucl():
    return pkg(base_entries(), mtext=b'name = "hostile";\nversion = "1.0";\n')


@case
def files_is_array():
    m = manifest_of(base_entries())
    m['files'] = [[k, v] for k, v in m['files'].items()]
    return pkg(base_entries(), m)


@case
def sum_is_number():
    m = manifest_of(base_entries())
    m['files']['/usr/local/bin/hostile']['sum'] = 12345
    return pkg(base_entries(), m)


@case
def name_is_number():
    return pkg(base_entries(), manifest_of(base_entries(), name=42))


@case
def duplicate_keys():
    t = mtext_of(manifest_of(base_entries()))
    # The same top-level key twice: the second "name" would win in a
    # lenient parser.
    return pkg(base_entries(), mtext=t[:-1] + b',"name":"other"}')


@case
def duplicate_file_keys():
    m = manifest_of(base_entries())
    t = mtext_of(m).decode()
    k = '"/usr/local/bin/hostile":'
    i = t.index(k)
    j = t.index('}', i) + 1
    dup = t[i:j]
    return pkg(base_entries(), mtext=(t[:j] + ',' + dup + t[j:]).encode())


@case
def huge_string():
    # A 10 MB description: nothing pkg forbids, nothing signed.
    return pkg(base_entries(), manifest_of(base_entries(), desc='x' * 10_000_000))


@case
def huge_name():
    # A 10 MB package name: it would go into every record line.
    return pkg(base_entries(), manifest_of(base_entries(), name='n' * 10_000_000))


@case
def huge_path():
    e = base_entries() + [E('/usr/local/share/hostile/' + 'p' * 10_000_000,
                            data=b'x')]
    return pkg(e)


@case
def deep_nesting():
    m = mtext_of(manifest_of(base_entries()))
    deep = b'[' * 100000 + b']' * 100000
    return pkg(base_entries(), mtext=m[:-1] + b',"annotations":' + deep + b'}')


@case
def deep_nesting_unclosed():
    m = mtext_of(manifest_of(base_entries()))
    return pkg(base_entries(), mtext=m[:-1] + b',"x":' + b'{"a":' * 100000)


@case
def entry_not_in_manifest():
    e = base_entries() + [E('/usr/local/bin/intruder', data=b'evil\n',
                            listed=False)]
    return pkg(e)


@case
def listed_not_in_archive():
    e = base_entries()
    m = manifest_of(e + [E('/usr/local/bin/ghost', data=b'boo\n')])
    return pkg(e, m)


@case
def dotdot_path():
    e = base_entries() + [E('/usr/local/../../etc/passwd', data=b'root::0:0\n')]
    return pkg(e)


@case
def dotdot_relative_entry():
    # A relative archive name climbing out, listed under its absolute form.
    e = base_entries()
    m = manifest_of(e + [E('/etc/evil', data=b'evil\n')])
    t = tar_bytes(e + [E('../../etc/evil', data=b'evil\n', listed=False)],
                  mtext_of(m))
    return zstd(t)


@case
def dot_path():
    return pkg(base_entries() + [E('/usr/local/./bin/dot', data=b'x')])


@case
def newline_path():
    return pkg(base_entries() + [E('/usr/local/bin/new\nline', data=b'x')])


@case
def cr_path():
    return pkg(base_entries() + [E('/usr/local/bin/carriage\rreturn',
                                   data=b'x')])


@case
def non_utf8_path():
    # pkg writes the manifest key URL-encoded; the archive holds the bytes.
    raw = '/usr/local/share/hostile/latin1-caf\udce9.txt'
    e = base_entries() + [E(raw, data=b'latin-1 name\n', listed=False)]
    m = manifest_of(e)
    m['files']['/usr/local/share/hostile/latin1-caf%e9.txt'] = {
        'sum': sum_of(b'latin-1 name\n'), 'uname': 'root', 'gname': 'wheel',
        'perm': '0644'}
    return pkg(e, m)


@case
def control_char_path():
    # A tab and an escape byte: not forbidden, must be encoded, never raw.
    return pkg(base_entries() + [E('/usr/local/share/hostile/tab\tesc\x1b[31m',
                                   data=b'x')])


@case
def escapes_then_plain_path():
    # Many bytes the record encoding escapes, then plain ones: UTF-8
    # names (every byte above 0x7e is escaped) such as a Japanese
    # document directory.  Must be signed.
    name = '/usr/local/share/doc/hostile/' + '\u65e5\u672c\u8a9e' * 10 + \
        '-' + 'a' * 200 + '.txt'
    return pkg(base_entries() + [E(name, data=b'nihongo\n')])


@case
def utf8_path_standard_pax():
    # The same kind of name in a standard pax header (UTF-8, no
    # hdrcharset=BINARY), as bsdtar, GNU tar or Python write it.
    e = base_entries() + [E('/usr/local/share/hostile/caf\u00e9.txt',
                            data=b'x')]
    return zstd(tar_bytes(e, mtext_of(manifest_of(e)), binary=False))


@case
def duplicate_entry():
    e = base_entries()
    return pkg(e + [E('/usr/local/bin/hostile', data=e[0].data, mode=0o755,
                      listed=False)], manifest_of(e))


@case
def hardlink_missing():
    e = base_entries() + [E('/usr/local/bin/hostile-hl', 'h',
                            target='/usr/local/bin/nowhere',
                            sum=sum_of(b'x'))]
    return pkg(e)


@case
def hardlink_later():
    # A hard link before the file it names (pkg never writes that).
    e = base_entries()
    hl = E('/usr/local/bin/hostile-hl', 'h', target='/usr/local/bin/hostile',
           mode=0o755)
    m = manifest_of(e + [hl])
    return pkg([hl] + e, m)


@case
def hardlink_to_dir():
    e = base_entries() + [E('/usr/local/bin/hostile-hl', 'h',
                            target='/usr/local/share/hostile',
                            sum=sum_of(b''))]
    return pkg(e)


@case
def hardlink_after_many():
    # A hard link to the first file, after enough entries that the signer
    # has grown its entry table several times since it read that file.
    e = base_entries()
    for i in range(300):
        e.append(E('/usr/local/share/hostile/f%03d' % i,
                   data=b'file %d\n' % i))
    e.append(E('/usr/local/share/hostile/zlink', 'h',
               target='/usr/local/share/hostile/f000', sum=sum_of(b'file 0\n')))
    return pkg(e)


@case
def char_device():
    return pkg(base_entries() + [E('/usr/local/share/hostile/null', 'c',
                                   sum=sum_of(b''))])


@case
def fifo():
    return pkg(base_entries() + [E('/usr/local/share/hostile/fifo', 'p',
                                   sum=sum_of(b''))])


@case
def size_lies_longer():
    # The header of README says 1 MiB; the archive ends long before.
    e = base_entries()
    t = tar_bytes(e, mtext_of(manifest_of(e)))
    return zstd(set_size(t, '/usr/local/share/hostile/README', 1 << 20))


@case
def size_lies_shorter():
    # The header of the script says 4 bytes: the rest of its data is read
    # as the next header.
    e = base_entries()
    t = tar_bytes(e, mtext_of(manifest_of(e)))
    return zstd(set_size(t, '/usr/local/bin/hostile', 4))


@case
def manifest_size_lies():
    e = base_entries()
    t = tar_bytes(e, mtext_of(manifest_of(e)), compact=False)
    return zstd(set_size(t, '+MANIFEST', 100))


@case
def many_files():
    n = int(os.environ.get('HOSTILE_MANY', '100000'))
    e = [E('/usr/local/share/hostile', 'd')]
    for d in range(n // 1000 + 1):
        e.append(E('/usr/local/share/hostile/d%03d' % d, 'd'))
    for i in range(n):
        e.append(E('/usr/local/share/hostile/d%03d/f%06d' % (i // 1000, i),
                   data=b'%d\n' % i))
    return pkg(e)


class Zeros(io.RawIOBase):
    """N zero bytes."""

    def __init__(self, n):
        self.left = n
        self.block = bytes(1 << 20)

    def readable(self):
        return True

    def read(self, k=-1):
        k = self.left if k is None or k < 0 else min(k, self.left)
        b = self.block[:k] if k <= len(self.block) else bytes(k)
        self.left -= k
        return b


def zero_sum(n):
    h = hashlib.sha256()
    block = bytes(1 << 24)
    while n > 0:
        k = min(n, len(block))
        h.update(block[:k])
        n -= k
    return '1$' + h.hexdigest()


def bomb_to(out):
    size = int(float(os.environ.get('HOSTILE_BOMB_GB', '10')) * (1 << 30))
    path = '/usr/local/share/hostile/zeros'
    e = base_entries()
    big = E(path, data=b'')
    m = manifest_of(e + [big])
    m['files'][path]['sum'] = zero_sum(size)
    m['flatsize'] = size
    with open(out, 'wb') as f:
        z = subprocess.Popen(['zstd', '-q', '-c', '-1', '-T0'],
                             stdin=subprocess.PIPE, stdout=f)
        tf = tarfile.open(fileobj=z.stdin, mode='w|', format=tarfile.PAX_FORMAT)
        meta_member(tf, '+MANIFEST', mtext_of(m))
        for x in e:
            tf.addfile(tarinfo(x), io.BytesIO(x.data) if x.kind == 'f' else None)
        ti = tarinfo(big)
        ti.size = size
        tf.copybufsize = 1 << 20
        tf.addfile(ti, Zeros(size))
        tf.close()
        z.stdin.close()
        if z.wait() != 0:
            raise SystemExit('zstd failed')


def main():
    if sys.argv[1:] == ['--list']:
        print('\n'.join(sorted(CASES) + ['bomb']))
        return
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    what, out = sys.argv[1], sys.argv[2]
    if what == 'bomb':
        bomb_to(out)
        return
    if what not in CASES:
        raise SystemExit('unknown case %s' % what)
    data = CASES[what]()
    with open(out, 'wb') as f:
        f.write(data)


if __name__ == '__main__':
    main()
