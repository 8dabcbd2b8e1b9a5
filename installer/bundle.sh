# Sourced by linux/build.sh and macos/build.sh: the venv with PyInstaller from
# uv.lock, then the one-folder bundle from packstation.spec in dist/packstation
# (and dist/packstation.app on macOS). Sets $version from the package.
# Run from the repository's root.
test -x .venv/bin/uv || { python3 -m venv .venv && .venv/bin/pip install -q uv; }
.venv/bin/uv sync -q --inexact --locked --extra installer
version=$(.venv/bin/python -c 'import packstation; print(packstation.__version__)')
rm -rf build/pyinstaller dist/packstation dist/packstation.app
.venv/bin/pyinstaller --noconfirm --log-level WARN --distpath dist \
    --workpath build/pyinstaller installer/packstation.spec
