#!/usr/bin/env sh
# Install packstation for this user (no root): ~/.local/opt/packstation, a
# `packstation` command in ~/.local/bin, and a menu entry with its icon.
# Run from the unpacked archive. Uninstall: ./install.sh --uninstall
set -eu
here=$(cd "$(dirname "$0")" && pwd)
prefix="${XDG_DATA_HOME:-$HOME/.local/share}"
target="$HOME/.local/opt/packstation"
if [ "${1:-}" = "--uninstall" ]; then
    rm -rf "$target" "$HOME/.local/bin/packstation" "$prefix/applications/packstation.desktop" \
        "$prefix/icons/hicolor/256x256/apps/packstation.png"
    echo "packstation removed (settings and data are kept in ~/.config and ~/.local/share)"
    exit 0
fi
mkdir -p "$HOME/.local/opt" "$HOME/.local/bin" "$prefix/applications" \
    "$prefix/icons/hicolor/256x256/apps"
rm -rf "$target"
cp -a "$here" "$target"
ln -sf "$target/packstation" "$HOME/.local/bin/packstation"
cp "$target/_internal/resources/icons/packstation.png" "$prefix/icons/hicolor/256x256/apps/"
sed "s|^Exec=.*|Exec=$target/packstation|" "$here/packstation.desktop" \
    > "$prefix/applications/packstation.desktop"
echo "packstation installed in $target; start it from the menu or with 'packstation'"
