#!/usr/bin/env bash
# Installs what Traum needs and is missing, and nothing else. Idempotent; quiet when nothing is missing.
#   --yes      allow upgrading system libraries (libstdc++ from Debian 13) without asking
#   --no-restore  skip `dotnet restore`
# Prints one line per thing it installs.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
yes=0; restore=1
for a in "$@"; do
  case "$a" in
    --yes|-y) yes=1 ;;
    --no-restore) restore=0 ;;
    *) echo "bootstrap: unknown option $a" >&2; exit 1 ;;
  esac
done
[[ "${CI:-}" == "true" ]] && yes=1

sudo_cmd=()
if [[ $(id -u) -ne 0 ]]; then sudo_cmd=(sudo); fi

apt_updated=0
apt_install() {
  # apt_install PACKAGE [apt options...]
  local pkg="$1"; shift
  if [[ $apt_updated -eq 0 ]]; then
    "${sudo_cmd[@]}" apt-get update -qq >/dev/null 2>&1 || true
    apt_updated=1
  fi
  echo "bootstrap: installing $pkg"
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq "$@" "$pkg" >/dev/null
}

have_deb() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "ok installed"; }

if command -v apt-get >/dev/null 2>&1; then
  # ffmpeg decodes and encodes every format other than WAV.
  command -v ffmpeg >/dev/null 2>&1 || apt_install ffmpeg
  # ffmpeg's rubberband filter (librubberband) stretches auditions to a project's tempo and key.
  have_deb librubberband2 || apt_install librubberband2
  # Chromaprint fingerprints every stem at ingest (duplicates by recording).
  have_deb libchromaprint1 || apt_install libchromaprint1
  # FFTW computes the STFTs (CLAP features, Demucs, descriptors); without it Traum falls back to its own, slower FFT.
  have_deb libfftw3-single3 || apt_install libfftw3-single3
  # sox and fluidsynth are used by tests to make and check audio; python3-onnx makes fixture graphs.
  command -v sox >/dev/null 2>&1 || apt_install sox
  have_deb python3-onnx || apt_install python3-onnx
  have_deb python3-numpy || apt_install python3-numpy
  # OpenBLAS under numpy: e2e search compares the exact scan with numpy's brute force on a real BLAS, not the reference one.
  have_deb libopenblas0-pthread || apt_install libopenblas0-pthread
  # Browser tests drive Debian's chromium (never a downloaded browser).
  command -v chromium >/dev/null 2>&1 || apt_install chromium
  have_deb fonts-dejavu-core || apt_install fonts-dejavu-core

  # TorchSharp 0.107 needs libstdc++ from GCC 13+ (GLIBCXX_3.4.32). Debian 12 ships GCC 12's.
  libstdcxx="$( (ldconfig -p 2>/dev/null || true) | awk '/libstdc\+\+\.so\.6 / && !f {print $NF; f=1}')"
  if [[ -n "$libstdcxx" ]] && ! grep -q GLIBCXX_3.4.32 "$libstdcxx" 2>/dev/null; then
    codename="$(. /etc/os-release && echo "${VERSION_CODENAME:-}")"
    cmds=(
      "echo 'deb http://deb.debian.org/debian trixie main' > /etc/apt/sources.list.d/traum-trixie.list"
      "printf 'Package: *\nPin: release n=trixie\nPin-Priority: 100\n' > /etc/apt/preferences.d/traum-trixie"
      "apt-get update"
      "apt-get install -y -t trixie libstdc++6"
    )
    if [[ "$codename" != "bookworm" ]]; then
      echo "bootstrap: $libstdcxx lacks GLIBCXX_3.4.32 (GCC 13+), which TorchSharp needs; install a newer libstdc++6 for this system." >&2
    else
      if [[ $yes -eq 0 && -t 0 ]]; then
        read -r -p "TorchSharp needs libstdc++ from GCC 13+; install libstdc++6 (and glibc 2.41) from Debian 13 (trixie)? [y/N] " ans
        [[ "$ans" == [yY]* ]] && yes=1
      fi
      if [[ $yes -eq 1 ]]; then
        echo "bootstrap: installing libstdc++6 from Debian 13 (trixie)"
        # Reuse the mirror this system already uses.
        mirror="$(grep -rhoE 'https?://[^ ]+/debian/?( |$)' /etc/apt/sources.list /etc/apt/sources.list.d/ 2>/dev/null | grep -v security | head -1 | tr -d ' ' || true)"
        mirror="${mirror:-http://deb.debian.org/debian}"
        echo "deb ${mirror%/} trixie main" | "${sudo_cmd[@]}" tee /etc/apt/sources.list.d/traum-trixie.list >/dev/null
        printf 'Package: *\nPin: release n=trixie\nPin-Priority: 100\n' | "${sudo_cmd[@]}" tee /etc/apt/preferences.d/traum-trixie >/dev/null
        "${sudo_cmd[@]}" apt-get update -qq >/dev/null 2>&1
        DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq -t trixie libstdc++6 >/dev/null
      else
        echo "bootstrap: TorchSharp (training and generation) needs libstdc++ from GCC 13+. Run as root:" >&2
        printf '  %s\n' "${cmds[@]}" >&2
        echo "  or rerun: scripts/bootstrap.sh --yes" >&2
      fi
    fi
  fi
fi

# PostgreSQL 17 with pgvector 0.8: the catalog at scale, and the clusters the PostgreSQL provider's tests start.
# Debian 13 and Ubuntu 24.04+ carry both; on Debian 12 they come from the Debian 13 source pinned above (the same one
# libstdc++ comes from). The server binaries are used from /usr/lib/postgresql/17/bin, beside any other version.
if command -v apt-get >/dev/null 2>&1; then
  pg_missing=()
  [[ -x /usr/lib/postgresql/17/bin/initdb ]] || pg_missing+=(postgresql-17)
  [[ -f /usr/share/postgresql/17/extension/vector.control ]] || pg_missing+=(postgresql-17-pgvector)
  if [[ ${#pg_missing[@]} -gt 0 ]]; then
    codename="$(. /etc/os-release && echo "${VERSION_CODENAME:-}")"
    pg_target=()
    if [[ -f /etc/apt/sources.list.d/traum-trixie.list ]]; then
      pg_target=(-t trixie)
    elif [[ "$codename" == "bookworm" ]]; then
      echo "bootstrap: PostgreSQL 17 and pgvector come from Debian 13 on Debian 12; rerun with --yes (which adds the pinned Debian 13 source) or install postgresql-17 and postgresql-17-pgvector yourself." >&2
      pg_missing=()
    fi
    if [[ ${#pg_missing[@]} -gt 0 ]]; then
      # Tests start their own clusters (initdb in a temporary folder); a default cluster the package may make is not used.
      for pkg in "${pg_missing[@]}"; do apt_install "$pkg" --no-install-recommends "${pg_target[@]}"; done
    fi
  fi
fi

if command -v ffmpeg >/dev/null 2>&1 && [[ "$(ffmpeg -hide_banner -filters 2>/dev/null || true)" != *" rubberband "* ]]; then
  echo "bootstrap: this ffmpeg has no rubberband filter, so stems cannot play at a project tempo; install an ffmpeg built with librubberband" >&2
fi

if ! command -v dotnet >/dev/null 2>&1; then
  echo "bootstrap: the .NET 10 SDK is missing; install it from https://dotnet.microsoft.com/download (see global.json for the version)." >&2
  exit 1
fi

if [[ $restore -eq 1 ]]; then
  stamp="$here/.build/restore.stamp"
  newest="$(find "$here" -maxdepth 4 \( -name '*.csproj' -o -name 'Directory.*.props' -o -name 'global.json' \) -newer "$stamp" -print -quit 2>/dev/null || true)"
  if [[ ! -f "$stamp" || -n "$newest" ]]; then
    echo "bootstrap: restoring NuGet packages"
    (cd "$here" && dotnet restore Traum.slnx --verbosity quiet >/dev/null) || { echo "bootstrap: dotnet restore failed" >&2; exit 1; }
    mkdir -p "$here/.build" && touch "$stamp"
  fi
fi
