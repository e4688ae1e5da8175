"""The expected results of shared/cases/CASES.md, written down once for every test that
checks them (catalogers, the analysis library, and the CLI end to end)."""

from __future__ import annotations

# C01: (name, version, source name, source version); config-files and not-installed excluded.
C01_PACKAGES = [
    ("base-files", "12.4+deb12u5", "base-files", "12.4+deb12u5"),
    ("bash", "5.2.15-2+b7", "bash", "5.2.15-2+b7"),
    ("libexample1", "1.2.3-1", "example-lib", "1.2.3-1"),
    ("libfoo-data", "2.0.1-3", "libfoo", "2.0.1-3"),
    ("libssl3", "3.0.15-1~deb12u1", "openssl", "3.0.15-1~deb12u1"),
    ("login", "1:4.13+dfsg1-1", "shadow", "1:4.13+dfsg1-1"),
    ("nano", "7.2-1+deb12u1", "nano", "7.2-1+deb12u1"),
    ("tzdata", "2024a-0+deb12u1", "tzdata", "2024a-0+deb12u1"),
]

# C09: (name, architecture, version, source name, source version).
C09_PACKAGES = [
    ("bash", "amd64", "5.2.15-2+b7", "bash", "5.2.15-2"),
    ("dash", "amd64", "0.5.12-2", "dash", "0.5.12-2"),
    ("dmsetup", "amd64", "2:1.02.185-2", "lvm2", "2.03.16-2"),
    ("libc6", "amd64", "2.36-9+deb12u7", "glibc", "2.36-9+deb12u7"),
    ("libc6", "i386", "2.36-9+deb12u7", "glibc", "2.36-9+deb12u7"),
    ("libpython3.11-minimal", "amd64", "3.11.2-6+deb12u2", "python3.11", "3.11.2-6+deb12u2"),
    ("login", "amd64", "1:4.13+dfsg1-1+b1", "shadow", "1:4.13+dfsg1-1"),
    ("zlib1g", "amd64", "1:1.2.13.dfsg-1", "zlib", "1:1.2.13.dfsg-1"),
]

# C14: (type, PEP 503 name for python, version) of the final filesystem, npm row aside.
C14_PACKAGES = [
    ("deb", "base-files", "12.4+deb12u5"),
    ("deb", "libssl3", "3.0.15-1~deb12u1"),
    ("python", "idna", "3.4"),
    ("python", "requests", "2.31.0"),
    ("python", "six", "1.16.0"),
    ("python", "urllib3", "2.0.7"),
]
