#!/usr/bin/env bash
# Build the Linux bundle and its archive: dist/packstation-<version>-linux-<arch>.tar.gz
# Then smoke-test it: the built program must pass --self-test offscreen.
set -euo pipefail
cd "$(dirname "$0")/../.."
. installer/bundle.sh
name="packstation-$version-linux-$(uname -m)"
rm -f "dist/$name.tar.gz"
cp installer/linux/install.sh installer/linux/packstation.desktop dist/packstation/
tar -C dist -czf "dist/$name.tar.gz" --transform "s,^packstation,$name," packstation
echo "bundle: $(du -sh dist/packstation | cut -f1), archive: $(du -sh "dist/$name.tar.gz" | cut -f1)"
QT_QPA_PLATFORM=offscreen dist/packstation/packstation --self-test
dist/packstation/packstation --version
