#!/usr/bin/env bash
# Build the Linux bundle and its archive: dist/packstation-<version>-linux-<arch>.tar.gz
# Then smoke-test it: the built program must pass --self-test offscreen.
set -euo pipefail
cd "$(dirname "$0")/../.."
test -x .venv/bin/uv || { python3 -m venv .venv && .venv/bin/pip install -q uv; }
.venv/bin/uv sync -q --inexact --locked --extra installer
version=$(.venv/bin/python -c 'import packstation; print(packstation.__version__)')
name="packstation-$version-linux-$(uname -m)"
rm -rf build/pyinstaller dist/packstation "dist/$name.tar.gz"
.venv/bin/pyinstaller --noconfirm --log-level WARN --distpath dist \
    --workpath build/pyinstaller installer/packstation.spec
cp installer/linux/install.sh installer/linux/packstation.desktop dist/packstation/
tar -C dist -czf "dist/$name.tar.gz" --transform "s,^packstation,$name," packstation
echo "bundle: $(du -sh dist/packstation | cut -f1), archive: $(du -sh "dist/$name.tar.gz" | cut -f1)"
QT_QPA_PLATFORM=offscreen dist/packstation/packstation --self-test
dist/packstation/packstation --version
