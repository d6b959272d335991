"""Peer of bench/image_scan.sh: the same image inventory in Python with tarfile, as a Python
tool would write it - manifest.json, each layer tar in order, whiteouts (.wh.<name>,
.wh..wh..opq), /etc/os-release, /var/lib/dpkg/status (installed stanzas) and every
dist-info/METADATA and egg-info/PKG-INFO in site-packages/dist-packages.
Usage: image_scan_peer.py ARCHIVE  ->  "python-tarfile <ms> <debian packages> <python packages>"
"""
import json
import posixpath
import sys
import tarfile
import time


def clean(name):
    parts = [p for p in name.split("/") if p not in ("", ".")]
    return None if ".." in parts or not parts else "/".join(parts)


def wanted(path):
    if path in ("etc/os-release", "usr/lib/os-release", "var/lib/dpkg/status"):
        return True
    parts = path.split("/")
    if len(parts) >= 2 and parts[-1].endswith(".egg-info") and parts[-2] in ("site-packages", "dist-packages"):
        return True
    return (len(parts) >= 3 and parts[-3] in ("site-packages", "dist-packages") and
            ((parts[-1] == "METADATA" and parts[-2].endswith(".dist-info")) or
             (parts[-1] == "PKG-INFO" and parts[-2].endswith(".egg-info"))))


def inventory(archive):
    files = {}  # path -> ("file", bytes) | ("link", target)
    with tarfile.open(archive) as outer:
        manifest = json.load(outer.extractfile("manifest.json"))[0]
        for name in manifest["Layers"]:
            changes, removed, opaque = {}, [], []
            with tarfile.open(fileobj=outer.extractfile(name)) as layer:
                for m in layer:
                    path = clean(m.name)
                    if path is None:
                        continue
                    d, b = posixpath.split(path)
                    if b == ".wh..wh..opq":
                        opaque.append(d)
                    elif b.startswith(".wh."):
                        removed.append(posixpath.join(d, b[4:]))
                    elif wanted(path):
                        if m.issym():
                            changes[path] = ("link", m.linkname)
                        elif m.isfile():
                            changes[path] = ("file", layer.extractfile(m).read())
            for d in opaque:
                files = {p: v for p, v in files.items() if not p.startswith(d + "/")}
            for r in removed:
                files = {p: v for p, v in files.items() if p != r and not p.startswith(r + "/")}
            files.update(changes)

    def resolve(path):
        for _ in range(16):
            v = files.get(path)
            if v is None or v[0] == "file":
                return v and v[1]
            base = "" if v[1].startswith("/") else posixpath.dirname(path)
            path = posixpath.normpath(posixpath.join("/", base, v[1]))[1:]
        return None

    os_release = resolve("etc/os-release") or resolve("usr/lib/os-release") or b""
    debs = []
    for stanza in (resolve("var/lib/dpkg/status") or b"").decode().split("\n\n"):
        fields = {}
        for line in stanza.splitlines():
            if line and not line[0].isspace() and ":" in line:
                k, v = line.split(":", 1)
                fields[k.lower()] = v.strip()
        if fields.get("package") and fields.get("status", "").split()[-1:] == ["installed"]:
            debs.append((fields["package"], fields.get("version")))
    python = []
    for path in files:
        if wanted(path) and path.split("/")[-1] not in ("status", "os-release"):
            text = resolve(path)
            if text is None:
                continue
            headers = {}
            for line in text.decode("utf-8", "replace").split("\n\n")[0].splitlines():
                if ":" in line and not line[0].isspace():
                    k, v = line.split(":", 1)
                    headers.setdefault(k.lower(), v.strip())
            if "name" in headers and "version" in headers:
                python.append((headers["name"], headers["version"]))
    return os_release, debs, python


if __name__ == "__main__":
    t0 = time.perf_counter()
    _, debs, python = inventory(sys.argv[1])
    ms = (time.perf_counter() - t0) * 1000
    print(f"python-tarfile {ms:.1f} {len(debs)} {len(python)}")
