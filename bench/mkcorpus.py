#!/usr/bin/env python3
"""Build a poudriere-style package repository for the benchmark.

    mkcorpus.py OUTDIR [--count N] [--sums blake2|sha256]
                [--compress zstd|xz] [--roots DIR,...] [--jobs J]
    mkcorpus.py OUTDIR --big-file-gib G [--sums ...] [--compress ...]
    mkcorpus.py --mutate PKGFILE
    mkcorpus.py --selftest

The first form splits real directory trees of this machine (by default
/usr/bin, /usr/sbin, /usr/lib, /usr/libexec, /usr/include, /usr/share)
into N packages and writes them as OUTDIR/.real_1/All/NAME-1.0.pkg, with
OUTDIR/.latest -> .real_1 and OUTDIR/All -> .latest/All, as poudriere
lays out a build.  Only regular files and symbolic links are packaged
(the paths inside the packages are the real absolute paths); device
files, sockets, FIFOs, unreadable files, names that are not UTF-8 or hold
a newline, and second names of hard-linked files are skipped.

The second form writes one package, bigfile-1.0.pkg, holding a single
file of G GiB of pseudo-random bytes (the AES-128-CTR keystream of
/dev/zero under a fixed key, from `openssl enc`), streamed twice (once to
hash it for +MANIFEST, once into the archive), never held in memory.

--mutate rewrites one package in place (through a rename, so hard-linked
copies of the repository keep the old file) with the content of its
first non-empty regular file changed and +MANIFEST updated to match: the
rebuilt package of the incremental-signing measurement.

Each archive is what pkg 2.x writes: a pax tar whose first members are
+COMPACT_MANIFEST and +MANIFEST (compact JSON on one line), then the
files sorted by path, owner root:wheel, compressed with `zstd -3 -T0`
(pkg itself uses a higher level; -3 only makes the corpus quicker to
build) or `xz -6 -T0`.  The checksums are pkg's: "2$" and pkg's base32 of
BLAKE2b-512, or "1$" and the hex SHA-256 with --sums sha256; a symlink's
checksum is over its target with the leading '/' skipped but as many
bytes as the target has.

Python 3 standard library only, plus the zstd, xz and openssl commands.
"""
import argparse
import concurrent.futures
import hashlib
import io
import json
import os
import shutil
import stat
import subprocess
import sys
import tarfile
import tempfile

B32 = "ybndrfg8ejkmcpqxot1uwisza345h769"
DEFAULT_ROOTS = ["/usr/bin", "/usr/sbin", "/usr/lib", "/usr/libexec",
                 "/usr/include", "/usr/share"]
BUILD = ".real_1"
VERSION = "1.0"
ABI = "FreeBSD:14:amd64"
ARCH = "freebsd:14:x86:64"
CHUNK = 1 << 20
KEEP_MAX = 8 << 20          # files up to this size are read once
BIG_KEY = "000102030405060708090a0b0c0d0e0f"
BIG_IV = "00000000000000000000000000000000"
BIG_PATH = "/usr/local/share/bench/bigfile.bin"


def pkg_base32(data):
    """pkg's base32: z-base-32 letters, bits taken least significant
    first, 5 bits at a time across the whole input."""
    out = []
    acc = 0
    bits = 0
    for byte in data:
        acc |= byte << bits
        bits += 8
        while bits >= 5:
            out.append(B32[acc & 31])
            acc >>= 5
            bits -= 5
    if bits > 0:
        out.append(B32[acc & 31])
    return "".join(out)


def new_hash(sums):
    if sums == "sha256":
        return hashlib.sha256()
    return hashlib.blake2b(digest_size=64)


def sum_string(sums, h):
    if sums == "sha256":
        return "1$" + h.hexdigest()
    return "2$" + pkg_base32(h.digest())


def symlink_input(target):
    """The bytes pkg hashes for a symlink (see lib/pkgsum.c)."""
    t = target.encode("utf-8")
    skip = len(t) - len(t.lstrip(b"/"))
    return t[skip:] + b"\0" * skip


def url_encode(path):
    """pkg's encoding of +MANIFEST keys: bytes >= 0x80 and '%' as %xx."""
    out = []
    for byte in path.encode("utf-8"):
        if byte >= 0x80 or byte == 0x25:
            out.append("%%%02x" % byte)
        else:
            out.append(chr(byte))
    return "".join(out)


def perm_string(mode):
    """C's "%#4.4o"."""
    s = "%.4o" % (mode & 0o7777)
    return s if s[0] == "0" else "0" + s


def compact(obj):
    return json.dumps(obj, separators=(",", ":"),
                      ensure_ascii=False).encode("utf-8")


# ---------------------------------------------------------------- scan

def ok_name(path):
    if "\n" in path or "\r" in path:
        return False
    try:
        path.encode("utf-8")
    except UnicodeEncodeError:      # surrogate-escaped non-UTF-8 bytes
        return False
    return True


def scan(roots):
    """Every packageable entry under ROOTS: (path, 'f'|'l', size)."""
    seen_inodes = set()
    entries = []
    skipped = {"type": 0, "name": 0, "hardlink": 0, "unreadable": 0}

    def consider(path):
        if not ok_name(path):
            skipped["name"] += 1
            return
        try:
            st = os.lstat(path)
        except OSError:
            skipped["unreadable"] += 1
            return
        if stat.S_ISLNK(st.st_mode):
            try:
                target = os.readlink(path)
            except OSError:
                skipped["unreadable"] += 1
                return
            if not target or not ok_name(target) or len(
                    target.encode("utf-8")) >= 4096:
                skipped["name"] += 1
                return
            entries.append((path, "l", 0))
        elif stat.S_ISREG(st.st_mode):
            if st.st_nlink > 1:
                ino = (st.st_dev, st.st_ino)
                if ino in seen_inodes:
                    skipped["hardlink"] += 1
                    return
                seen_inodes.add(ino)
            if not os.access(path, os.R_OK):
                skipped["unreadable"] += 1
                return
            entries.append((path, "f", st.st_size))
        elif not stat.S_ISDIR(st.st_mode):
            skipped["type"] += 1

    for root in roots:
        root = os.path.abspath(root)
        if not os.path.isdir(root) or os.path.islink(root):
            continue
        for dirpath, dirnames, filenames in os.walk(root):
            # os.walk lists symlinks to directories among the
            # directories; they are symlinks to package.
            keep = []
            for d in dirnames:
                p = os.path.join(dirpath, d)
                if os.path.islink(p):
                    consider(p)
                elif ok_name(p):
                    keep.append(d)
                else:
                    skipped["name"] += 1
            dirnames[:] = keep
            for f in filenames:
                consider(os.path.join(dirpath, f))
    entries.sort(key=lambda e: e[0].encode("utf-8"))
    return entries, skipped


def split(entries, count):
    """Contiguous runs of ENTRIES of about equal weight (bytes plus a
    per-entry cost), COUNT of them at most."""
    weight = [size + 1024 for _, _, size in entries]
    total = sum(weight)
    groups = []
    cur = []
    acc = 0
    done = 0
    for e, w in zip(entries, weight):
        cur.append(e)
        acc += w
        left = count - len(groups) - 1
        if left > 0 and acc >= (total - done) / (left + 1):
            groups.append(cur)
            done += acc
            cur = []
            acc = 0
    if cur:
        groups.append(cur)
    return groups


# ---------------------------------------------------------- packaging

class PkgTarInfo(tarfile.TarInfo):
    """A member written as libarchive's pax writer writes it when pkg runs
    in the C locale (as in tests/fixtures): a non-ASCII name goes in a
    pax header flagged hdrcharset=BINARY.  With UTF8 set, as pkg writes
    under a UTF-8 locale and as Python does: plain UTF-8, no hdrcharset."""
    utf8 = False

    @classmethod
    def _create_pax_generic_header(cls, pax_headers, type, encoding):
        if cls.utf8 or all(v.isascii() for v in pax_headers.values()):
            return super(PkgTarInfo, cls)._create_pax_generic_header(
                pax_headers, type, encoding)
        records = b"21 hdrcharset=BINARY\n"
        for keyword, value in pax_headers.items():
            kv = b" " + keyword.encode("utf-8") + b"=" + value.encode(
                "utf-8", "surrogateescape") + b"\n"
            n = len(kv)
            while len(str(n)) + len(kv) != n:
                n = len(str(n)) + len(kv)
            records += str(n).encode("ascii") + kv
        info = {"name": "././@PaxHeader", "type": type,
                "size": len(records), "magic": tarfile.POSIX_MAGIC}
        return cls._create_header(info, tarfile.USTAR_FORMAT, "ascii",
                                  "replace") + cls._create_payload(records)


def manifest_base(name, origin, comment, flatsize):
    return {
        "name": name,
        "origin": origin,
        "version": VERSION,
        "comment": comment,
        "maintainer": "bench@example.org",
        "www": "https://example.org/bench",
        "abi": ABI,
        "arch": ARCH,
        "prefix": "/usr",
        "flatsize": flatsize,
        "licenselogic": "single",
        "desc": "Benchmark package made by bench/mkcorpus.py from real "
                "files of the build machine.",
        "categories": ["bench"],
    }


def compressor(kind, out):
    if kind == "xz":
        cmd = ["xz", "-6", "-T0", "-q", "-c"]
    else:
        cmd = ["zstd", "-3", "-T0", "-q", "-c"]
    return subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=out)


def meta_info(name, data):
    ti = PkgTarInfo(name)
    ti.size = len(data)
    ti.mode = 0o644
    ti.uid = ti.gid = 0
    ti.uname, ti.gname = "root", "wheel"
    ti.mtime = 0
    return ti


def entry_info(path, st, kind):
    ti = PkgTarInfo(path)
    ti.mode = st.st_mode & 0o7777
    ti.uid = ti.gid = 0
    ti.uname, ti.gname = "root", "wheel"
    ti.mtime = int(st.st_mtime)
    if kind == "l":
        ti.type = tarfile.SYMTYPE
        ti.linkname = os.readlink(path)
        ti.size = 0
    else:
        ti.type = tarfile.REGTYPE
        ti.size = st.st_size
    return ti


def write_archive(dest, kind, members):
    """MEMBERS: (TarInfo, None | bytes | callable returning a file)."""
    tmp = dest + ".tmp.%d" % os.getpid()
    with open(tmp, "wb") as out:
        proc = compressor(kind, out)
        tf = tarfile.open(fileobj=proc.stdin, mode="w|",
                          format=tarfile.PAX_FORMAT, encoding="utf-8")
        for ti, data in members:
            if data is None:
                tf.addfile(ti)
            elif isinstance(data, bytes):
                tf.addfile(ti, io.BytesIO(data))
            else:
                with data() as f:
                    tf.addfile(ti, f)
        tf.close()
        proc.stdin.close()
        if proc.wait() != 0:
            raise RuntimeError("%s failed for %s" % (kind, dest))
    os.rename(tmp, dest)


def hash_file(path, sums, keep):
    h = new_hash(sums)
    data = bytearray() if keep else None
    with open(path, "rb") as f:
        while True:
            b = f.read(CHUNK)
            if not b:
                break
            h.update(b)
            if keep:
                data += b
    return h, (bytes(data) if keep else None)


class Reopen:
    """A file that must still have the content it was hashed with."""

    def __init__(self, path, size):
        self.path = path
        self.size = size

    def __call__(self):
        f = open(self.path, "rb")
        if os.fstat(f.fileno()).st_size != self.size:
            f.close()
            raise RuntimeError("%s changed while packaging" % self.path)
        return f


def build_package(job):
    """Write one package; return (file name, files, bytes) or raise."""
    outdir, index, name, group, sums, kind = job
    files = {}
    members = []
    flatsize = 0
    for path, etype, _ in group:
        try:
            st = os.lstat(path)
            if etype == "l":
                if not stat.S_ISLNK(st.st_mode):
                    continue
                target = os.readlink(path)
                h = new_hash(sums)
                h.update(symlink_input(target))
                ti = entry_info(path, st, "l")
                members.append((ti, None))
                files[url_encode(path)] = {
                    "sum": sum_string(sums, h), "uname": "root",
                    "gname": "wheel", "perm": perm_string(st.st_mode),
                    "symlink_target": target, "mtime": int(st.st_mtime)}
            else:
                if not stat.S_ISREG(st.st_mode):
                    continue
                keep = st.st_size <= KEEP_MAX
                h, data = hash_file(path, sums, keep)
                ti = entry_info(path, st, "f")
                if keep:
                    ti.size = len(data)
                members.append((ti, data if keep else Reopen(path,
                                                             st.st_size)))
                files[url_encode(path)] = {
                    "sum": sum_string(sums, h), "uname": "root",
                    "gname": "wheel", "perm": perm_string(st.st_mode),
                    "mtime": int(st.st_mtime)}
                flatsize += ti.size
        except OSError:
            continue                    # vanished or unreadable: skip
    pkgname = name
    origin = "bench/" + name
    base = manifest_base(pkgname, origin, "Real files from %s" %
                         os.path.dirname(group[0][0]), flatsize)
    full = dict(base)
    full["files"] = files
    full["directories"] = {}
    head = [(meta_info("+COMPACT_MANIFEST", compact(base)), compact(base)),
            (meta_info("+MANIFEST", compact(full)), compact(full))]
    fn = "%s-%s.pkg" % (pkgname, VERSION)
    write_archive(os.path.join(outdir, fn), kind,
                  [(ti, d if isinstance(d, bytes) else None)
                   for ti, d in head] + members)
    return fn, len(files), flatsize


def pkg_name(index, group):
    first = group[0][0].strip("/").split("/")
    stem = "-".join(first[:2]).replace("_", "-").replace(".", "-")
    return "%s-%04d" % (stem, index)


def layout(outdir):
    real = os.path.join(outdir, BUILD)
    alldir = os.path.join(real, "All")
    os.makedirs(alldir, exist_ok=True)
    for link, target in ((".latest", BUILD), ("All", ".latest/All")):
        p = os.path.join(outdir, link)
        if not os.path.islink(p):
            os.symlink(target, p)
    return alldir


def make_tree_corpus(a):
    entries, skipped = scan(a.roots.split(","))
    if not entries:
        sys.exit("mkcorpus: nothing to package under %s" % a.roots)
    groups = split(entries, a.count)
    alldir = layout(a.outdir)
    jobs = [(alldir, i, pkg_name(i, g), g, a.sums, a.compress)
            for i, g in enumerate(groups)]
    nfiles = nbytes = 0
    with concurrent.futures.ProcessPoolExecutor(a.jobs) as ex:
        for fn, n, b in ex.map(build_package, jobs, chunksize=1):
            nfiles += n
            nbytes += b
    print("mkcorpus: %d packages, %d files and symlinks, %d bytes of "
          "files; skipped %s" % (len(groups), nfiles, nbytes,
                                  ", ".join("%d %s" % (v, k) for k, v in
                                            skipped.items())))


# ------------------------------------------------------------ big file

def keystream(size):
    """A pipe giving SIZE pseudo-random bytes."""
    ossl = subprocess.Popen(["openssl", "enc", "-aes-128-ctr", "-nosalt",
                             "-K", BIG_KEY, "-iv", BIG_IV, "-in",
                             "/dev/zero"], stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL)
    head = subprocess.Popen(["head", "-c", str(size)], stdin=ossl.stdout,
                            stdout=subprocess.PIPE)
    ossl.stdout.close()
    return ossl, head


class Stream:
    def __init__(self, size):
        self.size = size

    def __enter__(self):
        self.ossl, self.head = keystream(self.size)
        return self.head.stdout

    def __exit__(self, *exc):
        self.head.stdout.close()
        self.head.wait()
        self.ossl.kill()
        self.ossl.wait()
        return False

    def __call__(self):
        return self


def make_big_corpus(a):
    size = int(a.big_file_gib * (1 << 30))
    alldir = layout(a.outdir)
    h = new_hash(a.sums)
    got = 0
    with Stream(size)() as f:
        while True:
            b = f.read(CHUNK)
            if not b:
                break
            h.update(b)
            got += len(b)
    if got != size:
        sys.exit("mkcorpus: keystream gave %d bytes, not %d" % (got, size))
    ti = PkgTarInfo(BIG_PATH)
    ti.size = size
    ti.mode = 0o644
    ti.uid = ti.gid = 0
    ti.uname, ti.gname = "root", "wheel"
    ti.mtime = 1700000000
    base = manifest_base("bigfile", "bench/bigfile",
                         "One file of %g GiB" % a.big_file_gib, size)
    full = dict(base)
    full["files"] = {url_encode(BIG_PATH): {
        "sum": sum_string(a.sums, h), "uname": "root", "gname": "wheel",
        "perm": "0644", "mtime": 1700000000}}
    full["directories"] = {}
    write_archive(os.path.join(alldir, "bigfile-%s.pkg" % VERSION),
                  a.compress,
                  [(meta_info("+COMPACT_MANIFEST", compact(base)),
                    compact(base)),
                   (meta_info("+MANIFEST", compact(full)), compact(full)),
                   (ti, Stream(size))])
    print("mkcorpus: bigfile-%s.pkg, one file of %d bytes" % (VERSION, size))


# -------------------------------------------------------------- mutate

def decompressor(path):
    with open(path, "rb") as f:
        magic = f.read(6)
    if magic[:4] == b"\x28\xb5\x2f\xfd":
        return "zstd", ["zstd", "-dcq", path]
    if magic == b"\xfd7zXZ\x00":
        return "xz", ["xz", "-dcq", path]
    sys.exit("mkcorpus: %s: neither zstd nor xz" % path)


def mutate(path):
    kind, cmd = decompressor(path)
    with tempfile.TemporaryFile() as raw:
        subprocess.run(cmd, stdout=raw, check=True)
        raw.seek(0)
        tf = tarfile.open(fileobj=raw, mode="r:", encoding="utf-8",
                          tarinfo=PkgTarInfo)
        members = tf.getmembers()
        byname = {m.name: m for m in members}
        full = json.loads(tf.extractfile(byname["+MANIFEST"]).read())
        base = json.loads(tf.extractfile(byname["+COMPACT_MANIFEST"]).read())
        victim = next(m for m in members if m.isreg() and m.size > 0 and
                      not m.name.startswith("+"))
        data = tf.extractfile(victim).read() + b"\n# changed by mkcorpus\n"
        sums = "sha256" if full["files"][url_encode(victim.name)][
            "sum"].startswith("1$") else "blake2"
        h = new_hash(sums)
        h.update(data)
        full["files"][url_encode(victim.name)]["sum"] = sum_string(sums, h)
        grow = len(data) - victim.size
        full["flatsize"] += grow
        base["flatsize"] += grow
        out = []
        for m in members:
            if m.name == "+MANIFEST":
                d = compact(full)
                m.size = len(d)
                out.append((m, d))
            elif m.name == "+COMPACT_MANIFEST":
                d = compact(base)
                m.size = len(d)
                out.append((m, d))
            elif m is victim:
                m.size = len(data)
                out.append((m, data))
            elif m.isreg():
                out.append((m, tf.extractfile(m).read()))
            else:
                out.append((m, None))
        write_archive(path, kind, out)
    print("mkcorpus: %s: %s changed" % (path, victim.name))


def selftest():
    empty = "2$" + pkg_base32(hashlib.blake2b(b"", digest_size=64).digest())
    want = ("2$au4ro5mebesgyd5a7xbmnjj41mr91dbeb8sqwojtgwaxt59dwkgrpxbnt3m7"
            "qcpkuenjgnp1qnczrek8e5sebr7siki9gajd69gfq8d")
    assert empty == want, empty
    assert len(empty) == 2 + 103
    assert symlink_input("/usr/local/bin/x") == b"usr/local/bin/x\0"
    assert symlink_input("x") == b"x"
    assert url_encode("/a/100%done/na\u00efve") == "/a/100%25done/na%c3%afve"
    assert perm_string(0o644) == "0644" and perm_string(0o4755) == "04755"
    assert perm_string(0) == "0000" and perm_string(0o777) == "0777"
    print("mkcorpus: self-test passed")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("outdir", nargs="?")
    ap.add_argument("--count", type=int, default=300)
    ap.add_argument("--sums", choices=["blake2", "sha256"], default="blake2")
    ap.add_argument("--compress", choices=["zstd", "xz"], default="zstd")
    ap.add_argument("--big-file-gib", type=float)
    ap.add_argument("--roots", default=",".join(DEFAULT_ROOTS))
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--mutate", metavar="PKGFILE")
    ap.add_argument("--selftest", action="store_true")
    ap.add_argument("--pax-utf8", action="store_true",
                    help="non-ASCII names as UTF-8 pax headers, without "
                    "hdrcharset=BINARY (pkg under a UTF-8 locale)")
    a = ap.parse_args()
    PkgTarInfo.utf8 = a.pax_utf8
    if a.selftest:
        selftest()
        return
    if a.mutate:
        mutate(a.mutate)
        return
    if not a.outdir or a.count < 1:
        ap.error("OUTDIR is needed, and --count must be at least 1")
    if a.big_file_gib is not None:
        if a.big_file_gib <= 0:
            ap.error("--big-file-gib must be positive")
        make_big_corpus(a)
    else:
        make_tree_corpus(a)


if __name__ == "__main__":
    main()
