"""The image scan on a real image: the base image (a debootstrapped bookworm) saved by podman,
read natively, matched against real advisories written here in OSV form; crafted archives for
whiteouts, traversal and bad input; the image-scan stage in a pipeline."""
import io
import json
import subprocess
import tarfile
import uuid
from pathlib import Path

import pytest

from containers import base_image, containers_env  # noqa: F401

# Real advisories for packages really installed in the base image (bookworm):
# - CVE-2023-5752, pip's Mercurial config injection: PyPI fixed it in pip 23.3; Debian left
#   bookworm's python-pip 23.0.1+dfsg-1 unfixed (no DSA, minor issue). NVD/GHSA: 3.3 LOW.
# - CVE-2023-50495, ncurses' tic crash: fixed upstream in 6.4+20231209; bookworm's ncurses 6.4-4
#   is unfixed (no DSA, minor issue). NVD: 6.5 MEDIUM.
# - DSA-5764-1, openssl (CVE-2024-6119): fixed for bookworm in 3.0.14-1~deb12u2, older than the
#   image's openssl, so it must not be reported (a real advisory the `~` ordering must get right).
ADVISORIES = {
    "DEBIAN-CVE-2023-5752.json": {
        "id": "DEBIAN-CVE-2023-5752", "modified": "2024-09-18T03:17:40Z",
        "published": "2023-10-25T18:17:43Z", "aliases": ["CVE-2023-5752"],
        "upstream": ["CVE-2023-5752"],
        "summary": "pip: Mercurial configuration injectable in repo revision when installing via pip",
        "details": "When installing a package from a Mercurial VCS URL (ie \"pip install "
                   "hg+...\") with pip prior to v23.3, the specified Mercurial revision could be "
                   "used to inject arbitrary configuration options to the \"hg clone\" call.",
        "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:N/I:L/A:N"}],
        "affected": [{"package": {"name": "python-pip", "ecosystem": "Debian:12",
                                  "purl": "pkg:deb/debian/python-pip?arch=source"},
                      "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}]}]},
                     {"package": {"name": "python-pip", "ecosystem": "Debian:13",
                                  "purl": "pkg:deb/debian/python-pip?arch=source"},
                      "ranges": [{"type": "ECOSYSTEM",
                                  "events": [{"introduced": "0"}, {"fixed": "23.3+dfsg-1"}]}]}],
        "references": [{"type": "ADVISORY",
                        "url": "https://security-tracker.debian.org/tracker/CVE-2023-5752"}],
    },
    "DEBIAN-CVE-2023-50495.json": {
        "id": "DEBIAN-CVE-2023-50495", "modified": "2024-09-18T03:20:11Z",
        "published": "2023-12-12T15:15:07Z", "aliases": ["CVE-2023-50495"],
        "summary": "ncurses: segmentation fault via _nc_wrap_entry()",
        "details": "NCurse v6.4-20230418 was discovered to contain a segmentation fault via the "
                   "component _nc_wrap_entry().",
        "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:N/I:N/A:H"}],
        "affected": [{"package": {"name": "ncurses", "ecosystem": "Debian:12"},
                      "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}]}]},
                     {"package": {"name": "ncurses", "ecosystem": "Debian:13"},
                      "ranges": [{"type": "ECOSYSTEM",
                                  "events": [{"introduced": "0"}, {"fixed": "6.4+20240113-1"}]}]}],
    },
    "DSA-5764-1.json": {
        "id": "DSA-5764-1", "modified": "2024-09-04T00:00:00Z", "published": "2024-09-03T00:00:00Z",
        "aliases": ["CVE-2024-5535", "CVE-2024-6119"],
        "summary": "openssl - security update",
        "affected": [{"package": {"name": "openssl", "ecosystem": "Debian:12"},
                      "ranges": [{"type": "ECOSYSTEM",
                                  "events": [{"introduced": "0"}, {"fixed": "3.0.14-1~deb12u2"}]}]}],
    },
    "GHSA-mq26-g339-26xf.json": {
        "id": "GHSA-mq26-g339-26xf", "modified": "2024-06-10T18:39:11Z",
        "published": "2023-10-25T18:32:22Z", "aliases": ["CVE-2023-5752", "PYSEC-2023-228"],
        "summary": "pip's Mercurial VCS URL config injection in repository revision parameter",
        "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:N/I:L/A:N"}],
        "affected": [{"package": {"name": "pip", "ecosystem": "PyPI", "purl": "pkg:pypi/pip"},
                      "ranges": [{"type": "ECOSYSTEM",
                                  "events": [{"introduced": "0"}, {"fixed": "23.3"}]}]}],
        "database_specific": {"severity": "LOW"},
    },
}

NCURSES_BINARIES = {"libncursesw6", "libtinfo6", "ncurses-base", "ncurses-bin"}


@pytest.fixture
def db(pw, tmp_path):
    folder = tmp_path / "advisories"
    folder.mkdir()
    for name, record in ADVISORIES.items():
        (folder / name).write_text(json.dumps(record))
    r = pw(tmp_path, "db", "import", str(folder))
    assert r.code == 0 and "4 imported" in r.out, r
    return folder


@pytest.fixture(scope="module")
def saved_base(base_image, tmp_path_factory):  # noqa: F811
    out = tmp_path_factory.mktemp("saved") / "base.tar"
    subprocess.run(["podman", "save", "-o", str(out), base_image], check=True, capture_output=True)
    return out


def vulns(report, cls):
    for res in report["Results"]:
        if res["Class"] == cls:
            return res.get("Vulnerabilities", []), res
    raise AssertionError(f"no {cls} result in {[r['Class'] for r in report['Results']]}")


def test_scan_base_image_by_reference_finds_the_real_advisories(pw, db, tmp_path, base_image):  # noqa: F811
    r = pw(tmp_path, "scan", "image", base_image, "-o", "out", "--fail-on", "high", timeout=300)
    assert r.code == 0, r  # LOW and MEDIUM only
    assert "debian 12 (bookworm): 7 vulnerabilities (4 medium, 3 low)" in r.out, r
    report = json.loads((tmp_path / "out" / "trivy-image-report.json").read_text())
    assert report["SchemaVersion"] == 2
    assert report["ArtifactName"] == base_image
    assert report["ArtifactType"] == "container_image"
    assert report["Metadata"]["OS"]["Family"] == "debian"
    assert report["Metadata"]["OS"]["Name"].startswith("12.")
    assert report["Metadata"]["RepoTags"] == [base_image]
    assert report["Metadata"]["DiffIDs"][0].startswith("sha256:")

    os_vulns, os_res = vulns(report, "os-pkgs")
    assert os_res["Type"] == "debian"
    assert os_res["Target"] == f"{base_image} (debian {report['Metadata']['OS']['Name']})"
    got = {(v["PkgName"], v["VulnerabilityID"]) for v in os_vulns}
    assert got == {("python3-pip", "CVE-2023-5752"), ("python3-pip-whl", "CVE-2023-5752")} | {
        (b, "CVE-2023-50495") for b in NCURSES_BINARIES}
    assert not any("DSA-5764-1" in json.dumps(v) for v in os_vulns)  # fixed below the installed
    pip_deb = next(v for v in os_vulns if v["PkgName"] == "python3-pip")
    assert pip_deb["InstalledVersion"] == "23.0.1+dfsg-1"
    assert pip_deb["VendorIDs"] == ["DEBIAN-CVE-2023-5752"]
    assert pip_deb["Severity"] == "LOW" and pip_deb["CVSS"]["osv"]["V3Score"] == 3.3
    assert pip_deb["Status"] == "affected" and "FixedVersion" not in pip_deb
    assert pip_deb["PkgIdentifier"]["PURL"].startswith("pkg:deb/debian/python3-pip@23.0.1%2Bdfsg-1?arch=all&distro=debian-12.")
    tic = next(v for v in os_vulns if v["PkgName"] == "ncurses-bin")
    assert tic["InstalledVersion"] == "6.4-4" and tic["Severity"] == "MEDIUM"

    py_vulns, py_res = vulns(report, "lang-pkgs")
    assert py_res["Type"] == "python-pkg" and py_res["Target"] == "Python"
    assert len(py_vulns) == 1
    pip = py_vulns[0]
    assert (pip["PkgName"], pip["InstalledVersion"], pip["FixedVersion"]) == ("pip", "23.0.1", "23.3")
    assert pip["VulnerabilityID"] == "CVE-2023-5752"
    assert set(pip["VendorIDs"]) == {"GHSA-mq26-g339-26xf", "PYSEC-2023-228"}
    assert pip["PkgPath"] == "usr/lib/python3/dist-packages/pip-23.0.1.dist-info/METADATA"
    assert pip["PrimaryURL"] == "https://osv.dev/vulnerability/GHSA-mq26-g339-26xf"
    # As Trivy writes them: the advisory's dates, and the one layer the base image has.
    assert pip["PublishedDate"] and pip["LastModifiedDate"], pip
    layer = {"DiffID": report["Metadata"]["DiffIDs"][0]}
    assert all(v["Layer"] == layer for v in os_vulns + py_vulns)
    assert all(p["Layer"] == layer for p in os_res["Packages"] + py_res["Packages"])

    # The same findings gate: MEDIUM ones fail --fail-on medium, with exit code 1.
    r = pw(tmp_path, "scan", "image", base_image, "--fail-on", "medium", timeout=300)
    assert r.code == 1, r
    assert "CVE-2023-50495" in r.out or "DEBIAN-CVE-2023-50495" in r.out


def test_debian_packages_equal_dpkg_query_inside_the_image(pw, db, tmp_path, saved_base,
                                                          base_image, containers_env):  # noqa: F811
    r = pw(tmp_path, "scan", "image", str(saved_base), "-o", "out", "--fail-on", "none")
    assert r.code == 0, r
    report = json.loads((tmp_path / "out" / "trivy-image-report.json").read_text())
    _, os_res = vulns(report, "os-pkgs")
    ours = set()
    for p in os_res["Packages"]:
        v = p["Version"] + ("-" + p["Release"] if "Release" in p else "")
        ours.add((p["Name"], f"{p['Epoch']}:{v}" if "Epoch" in p else v))
    q = subprocess.run(["podman", "run", "--rm", base_image, "dpkg-query", "-W", "-f",
                        "${Package} ${Version} ${db:Status-Abbrev}\\n"],
                       env=containers_env, check=True, capture_output=True, text=True).stdout
    theirs = {tuple(line.split()[:2]) for line in q.splitlines() if line.split()[2:3] == ["ii"]}
    assert len(theirs) > 80
    assert ours == theirs


def test_oci_archive_from_podman_gives_the_same_inventory(pw, db, tmp_path, saved_base,
                                                          base_image):  # noqa: F811
    oci = tmp_path / "oci.tar"
    subprocess.run(["podman", "save", "--format", "oci-archive", "-o", str(oci), base_image],
                   check=True, capture_output=True)
    reports = {}
    for name, archive in (("docker", saved_base), ("oci", oci)):
        r = pw(tmp_path, "scan", "image", str(archive), "-o", name, "--fail-on", "none")
        assert r.code == 0, r
        reports[name] = json.loads((tmp_path / name / "trivy-image-report.json").read_text())
    assert reports["oci"]["Metadata"]["RepoTags"] == [base_image]  # from the ref-name annotation
    # The OCI layout's layer is a compressed blob: its Layer has that blob's Digest besides the
    # DiffID both formats share; docker-save's plain layer has only the DiffID, as in Trivy.
    oci_layers = [p["Layer"] for p in reports["oci"]["Results"][0]["Packages"]]
    assert all(l["Digest"] != l["DiffID"] for l in oci_layers), oci_layers[0]
    for rep in reports.values():
        for res in rep["Results"]:
            res.pop("Target")  # names the archive scanned
            for item in res.get("Packages", []) + res.get("Vulnerabilities", []):
                item["Layer"].pop("Digest", None)
    assert reports["oci"]["Results"] == reports["docker"]["Results"]
    assert len(reports["oci"]["Results"][0]["Vulnerabilities"]) == 6


def layer(files):
    """A layer tar from (name, content|None for a folder|('link', target)|('dev',))."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as t:
        for name, content in files:
            info = tarfile.TarInfo(name)
            if content is None:
                info.type = tarfile.DIRTYPE
                t.addfile(info)
            elif isinstance(content, tuple) and content[0] == "link":
                info.type, info.linkname = tarfile.SYMTYPE, content[1]
                t.addfile(info)
            elif isinstance(content, tuple) and content[0] == "dev":
                info.type, info.devmajor, info.devminor = tarfile.CHRTYPE, 1, 3
                t.addfile(info)
            else:
                data = content.encode()
                info.size = len(data)
                t.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def docker_archive(path: Path, layers, drop_layer=False):
    import hashlib
    members, names, diff_ids = [], [], []
    for i, data in enumerate(layers):
        h = hashlib.sha256(data).hexdigest()
        names.append(f"{h}/layer.tar")
        diff_ids.append(f"sha256:{h}")
        if not (drop_layer and i == len(layers) - 1):
            members.append((f"{h}/layer.tar", data))
    config = json.dumps({"architecture": "amd64", "os": "linux",
                         "rootfs": {"type": "layers", "diff_ids": diff_ids}}).encode()
    members.append(("config.json", config))
    members.append(("manifest.json", json.dumps(
        [{"Config": "config.json", "RepoTags": ["crafted:1"], "Layers": names}]).encode()))
    with tarfile.open(path, "w") as t:
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            t.addfile(info, io.BytesIO(data))


STATUS = ("Package: python3-pip\nStatus: install ok installed\nArchitecture: all\n"
          "Source: python-pip\nVersion: 23.0.1+dfsg-1\n\n"
          "Package: libfoo1\nStatus: install ok installed\nArchitecture: amd64\nVersion: 1.0-1\n\n")
SP = "usr/lib/python3/dist-packages/"


def test_crafted_image_whiteouts_and_traversal_are_handled_safely(pw, db, tmp_path):
    escape = f"pw-escape-{uuid.uuid4().hex}"
    base = layer([("etc", None), ("usr/lib/os-release", 'ID=debian\nVERSION_ID="12"\n'),
                  ("etc/os-release", ("link", "../usr/lib/os-release")),
                  ("var/lib/dpkg/status", STATUS),
                  (SP + "pip-23.0.1.dist-info/METADATA", "Name: pip\nVersion: 23.0.1\n\n"),
                  (SP + "extra-1.0.dist-info/METADATA", "Name: extra\nVersion: 1.0\n\n")])
    upper = layer([(SP + ".wh.pip-23.0.1.dist-info", ""),  # pip removed by a later layer
                   ("var/lib/dpkg/status", STATUS.split("\n\n")[1] + "\n\n"),  # python3-pip purged
                   ("../../../../../../tmp/" + escape, "owned"),
                   ("etc/passwd-link", ("link", "/etc/passwd")),
                   ("dev/evil", ("dev",))])
    archive = tmp_path / "crafted.tar"
    docker_archive(archive, [base, upper])
    r = pw(tmp_path, "scan", "image", str(archive), "-o", "out")
    assert r.code == 0, r  # nothing vulnerable is left once the whiteouts apply
    assert "no known vulnerability in 1 Debian and 1 Python packages" in r.out, r
    assert f"'../../../../../../tmp/{escape}' leaves the image: ignored" in r.err, r
    assert not Path("/tmp", escape).exists()
    report = json.loads((tmp_path / "out" / "trivy-image-report.json").read_text())
    _, os_res = vulns(report, "os-pkgs")
    assert [p["Name"] for p in os_res["Packages"]] == ["libfoo1"]
    _, py_res = vulns(report, "lang-pkgs")
    assert [p["Name"] for p in py_res["Packages"]] == ["extra"]

    # Without the upper layer, pip and python3-pip are there and vulnerable: exit 1 (--fail-on low).
    docker_archive(tmp_path / "lower.tar", [base])
    r = pw(tmp_path, "scan", "image", str(tmp_path / "lower.tar"))
    assert r.code == 1, r
    assert "2 vulnerabilities (2 low) in 2 Debian and 2 Python packages" in r.out, r


def test_bad_input_is_exit_2_with_a_clear_message(pw, db, tmp_path):
    base = layer([("var/lib/dpkg/status", STATUS), ("big", "x" * 100000)])
    docker_archive(tmp_path / "ok.tar", [base])
    data = (tmp_path / "ok.tar").read_bytes()
    (tmp_path / "truncated.tar").write_bytes(data[: len(data) // 3])
    r = pw(tmp_path, "scan", "image", "truncated.tar")
    assert r.code == 2 and "truncated" in r.err, r

    (tmp_path / "notes.txt").write_text("not an image\n")
    r = pw(tmp_path, "scan", "image", "notes.txt")
    assert r.code == 2 and "is not a tar archive" in r.err, r

    docker_archive(tmp_path / "missing.tar", [base, layer([("a", "b")])], drop_layer=True)
    r = pw(tmp_path, "scan", "image", "missing.tar")
    assert r.code == 2 and "layer 2" in r.err and "does not hold" in r.err, r

    r = pw(tmp_path, "scan", "image", "localhost/pipewright-no-such-image:nope", timeout=120)
    assert r.code == 2 and "could not save localhost/pipewright-no-such-image:nope with" in r.err, r

    r = pw(tmp_path, "scan", "image", "ok.tar", "--fail-on", "severe")
    assert r.code == 2 and "--fail-on must be" in r.err, r


def test_no_database_is_exit_2_naming_the_import_command(pw, tmp_path):
    docker_archive(tmp_path / "ok.tar", [layer([("var/lib/dpkg/status", STATUS)])])
    r = pw(tmp_path, "scan", "image", "ok.tar")
    assert r.code == 2 and "pipewright db import" in r.err, r


OTHER_STAGES = ["preflight", "lock-check", "setup-python", "tests", "lint", "format-ruff",
                "format-black", "typecheck", "security-lint", "audit", "quality", "dependency-scan",
                "analysis", "quality-gate", "package", "image-build", "image-push", "upload",
                "deploy"]


def pipeline(body):
    return "stages:\n" + "".join(f"  {s}:\n    enabled: false\n" for s in OTHER_STAGES) + body


def test_stage_scans_the_tag_in_image_tag_txt_and_gates_with_fail_on(pw, db, repo, base_image):  # noqa: F811
    project = repo({"pipewright.yaml": pipeline(
        f"  tag:\n    run: echo {base_image} > \"$PIPEWRIGHT_ARTIFACTS/image_tag.txt\"\n"
        "  image-scan:\n    needs: [tag]\n    engine: podman\n    fail_on: medium\n")})
    r = pw(project, "run", timeout=300)
    s = r.stage("image-scan")
    assert s["status"] == "FAILURE", r
    assert r.code == 1, r  # fail_on fails the build although the stage is non-blocking
    assert "7 vulnerabilities (4 medium, 3 low)" in s["summary"]
    assert s["data"]["debian_packages"] > 80 and s["data"]["ecosystem"] == "Debian:12"
    builds = project / ".pipewright" / "builds" / str(r.build()["number"])
    report = json.loads((builds / "artifacts" / "trivy-image-report.json").read_text())
    assert report["ArtifactName"] == base_image and len(report["Results"]) == 2
    assert not (builds / "image-scan.tmp").exists()  # the saved image is not kept


def test_stage_is_skipped_without_an_image(pw, db, repo):
    project = repo({"pipewright.yaml": pipeline("  noop:\n    run: 'true'\n")})
    r = pw(project, "run")
    s = r.stage("image-scan")
    assert s["status"] == "SKIPPED", r
    assert "no image was built" in s["summary"]
