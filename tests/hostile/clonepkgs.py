#!/usr/bin/env python3
"""Make a bigger repository from the fixture packages: N copies of each
package of SRC_ALL, each with its own name (the "name" of +MANIFEST and
+COMPACT_MANIFEST gets a suffix -cNNN), every other member kept as it is
(pax headers included, so hdrcharset=BINARY stays), written to DST_ALL as
zstd-compressed tars, as pkg writes them.

    clonepkgs.py SRC_ALL DST_ALL N
"""
import io
import json
import os
import subprocess
import sys
import tarfile


def decompress(data):
    if data[:4] == b'\x28\xb5\x2f\xfd':
        return subprocess.run(['zstd', '-dcq'], input=data, check=True,
                              stdout=subprocess.PIPE).stdout
    return data


def main():
    src, dst, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    os.makedirs(dst, exist_ok=True)
    for f in sorted(os.listdir(src)):
        if not f.endswith('.pkg'):
            continue
        raw = decompress(open(os.path.join(src, f), 'rb').read())
        members = []
        t = tarfile.open(fileobj=io.BytesIO(raw), mode='r:')
        for m in t.getmembers():
            data = t.extractfile(m).read() if m.isreg() else None
            members.append((m, data))
        for i in range(n):
            out = io.BytesIO()
            w = tarfile.open(fileobj=out, mode='w:', format=tarfile.PAX_FORMAT,
                             encoding='utf-8', errors='surrogateescape')
            name = None
            for m, data in members:
                if m.name in ('+MANIFEST', '+COMPACT_MANIFEST'):
                    j = json.loads(data)
                    j['name'] = '%s-c%03d' % (j['name'], i)
                    name = '%s-%s' % (j['name'], j['version'])
                    data = json.dumps(j, separators=(',', ':')).encode()
                    m.size = len(data)
                w.addfile(m, io.BytesIO(data) if data is not None else None)
            w.close()
            z = subprocess.run(['zstd', '-q', '-c', '-1'], input=out.getvalue(),
                               check=True, stdout=subprocess.PIPE).stdout
            with open(os.path.join(dst, name + '.pkg'), 'wb') as o:
                o.write(z)


if __name__ == '__main__':
    main()
