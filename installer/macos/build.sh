#!/usr/bin/env bash
# Build packstation for macOS: dist/packstation.app (PyInstaller, with its icon),
# its self-test, then dist/packstation-<version>-macos-<arch>.dmg.
#
#   installer/macos/build.sh
#
# Unsigned: the first start needs right-click > Open (or an IT person's
# `xattr -dr com.apple.quarantine`). Signing and notarising need the provider's
# Apple Developer ID; set CODESIGN_IDENTITY to sign with it.
set -euo pipefail
cd "$(dirname "$0")/../.."
. installer/bundle.sh
name="packstation-$version-macos-$(uname -m)"
rm -f "dist/$name.dmg"
app=dist/packstation.app
test -d "$app" || { echo "PyInstaller made no $app" >&2; exit 1; }
if [ -n "${CODESIGN_IDENTITY:-}" ]; then
    codesign --force --deep --options runtime --sign "$CODESIGN_IDENTITY" "$app"
fi
echo "app: $(du -sh "$app" | cut -f1)"
# The console twin inside the bundle runs the checks.
QT_QPA_PLATFORM=offscreen "$app/Contents/MacOS/packstation-cli" --self-test
"$app/Contents/MacOS/packstation-cli" --version
# The disk image: the app and a link to /Applications to drag it onto.
staging=$(mktemp -d)
trap 'rm -rf "$staging"' EXIT
cp -R "$app" "$staging/"
ln -s /Applications "$staging/Applications"
hdiutil create -volname "packstation $version" -srcfolder "$staging" -ov -format UDZO \
    "dist/$name.dmg"
echo "disk image: $(du -sh "dist/$name.dmg" | cut -f1)"
