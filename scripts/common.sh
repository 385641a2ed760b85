# Shared by scripts/demo.sh and scripts/test.sh. Every step is idempotent: it checks
# first and only installs what is missing, so running a script twice is cheap.

MIN_PYTHON="3.11"
VENV=".venv"

say() { printf '==> %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"
    elif command -v sudo >/dev/null 2>&1; then sudo "$@"
    else die "need root to run: $* (run this script as root or install sudo)"
    fi
}

# ensure_debian_packages PKG... : apt-get install the ones not yet installed.
ensure_debian_packages() {
    local missing=()
    for package in "$@"; do
        dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" \
            || missing+=("$package")
    done
    if [ "${#missing[@]}" -gt 0 ]; then
        command -v apt-get >/dev/null 2>&1 \
            || die "missing system packages (${missing[*]}) and no apt-get to install them"
        say "installing Debian packages: ${missing[*]}"
        as_root apt-get update -qq
        as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
            "${missing[@]}" >/dev/null
    fi
}

find_python() {
    local candidate
    for candidate in python3.11 python3.12 python3.13 python3; do
        if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c \
            "import sys; sys.exit(sys.version_info < tuple(map(int, '$MIN_PYTHON'.split('.'))))"
        then
            command -v "$candidate"
            return 0
        fi
    done
    return 1
}

# ensure_venv EXTRAS : a virtualenv in .venv with mimamoru (and EXTRAS, e.g. "[dev]") installed.
ensure_venv() {
    local extras="$1" python
    python="$(find_python)" || {
        ensure_debian_packages python3
        python="$(find_python)" || die "Python >= $MIN_PYTHON is required"
    }
    if ! "$python" -c "import venv, ensurepip" >/dev/null 2>&1; then
        ensure_debian_packages python3-venv
    fi
    if [ ! -x "$VENV/bin/python" ]; then
        say "creating virtualenv $VENV with $python"
        "$python" -m venv "$VENV"
    fi
    say "installing mimamoru$extras into $VENV"
    PIP_DISABLE_PIP_VERSION_CHECK=1 "$VENV/bin/pip" install -q --upgrade pip >/dev/null
    PIP_DISABLE_PIP_VERSION_CHECK=1 "$VENV/bin/pip" install -q -e ".$extras"
}
