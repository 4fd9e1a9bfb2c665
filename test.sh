#!/usr/bin/env bash
# Runs every test project and ends with one line "N passed, N failed, N skipped" from the real counts.
# Exits non-zero if anything failed or nothing ran.
#   ./test.sh                     all test projects
#   ./test.sh Traum.Audio.Tests   only the named projects
#   TEST_ARGS="-class X.Y" ./test.sh Traum.Audio.Tests   extra xunit arguments
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"

bash scripts/bootstrap.sh || { echo "bootstrap failed"; echo "0 passed, 1 failed"; exit 1; }
mkdir -p .build/test-logs

if [[ $# -gt 0 ]]; then projects=("$@"); else
  projects=()
  for d in tests/*.Tests; do projects+=("$(basename "$d")"); done
fi

build_targets=()
for p in "${projects[@]}"; do build_targets+=("tests/$p/$p.csproj"); done
if [[ $# -eq 0 ]]; then build_targets=(Traum.slnx); fi
for t in "${build_targets[@]}"; do
  if ! dotnet build "$t" -c Release -nologo -v quiet -clp:ErrorsOnly > .build/test-logs/build.log 2>&1; then
    cat .build/test-logs/build.log
    echo "build failed: $t"
    echo "0 passed, 1 failed"
    exit 1
  fi
done

passed=0; failed=0; skipped=0
for p in "${projects[@]}"; do
  dll="tests/$p/bin/Release/net10.0/$p.dll"
  log=".build/test-logs/$p.log"
  if [[ ! -f "$dll" ]]; then echo "$p: no test assembly at $dll"; failed=$((failed + 1)); continue; fi
  # shellcheck disable=SC2086
  dotnet "$dll" -noColor -noLogo ${TEST_ARGS:-} > "$log" 2>&1
  rc=$?
  summary="$(grep -E "^\s*$p\s+Total: " "$log" | tail -1)"
  if [[ -z "$summary" ]]; then
    tail -40 "$log"
    echo "$p: the test run ended without a summary (exit code $rc)"
    failed=$((failed + 1)); continue
  fi
  field() { grep -oE "$1: [0-9]+" <<<"$summary" | grep -oE '[0-9]+' || echo 0; }
  t=$(field Total); e=$(field Errors); f=$(field Failed); s=$(field Skipped); n=$(field "Not Run")
  if [[ $f -gt 0 || $e -gt 0 ]]; then
    grep -E "\[FAIL\]|^\s+(Assert|System\.|Traum\.|Expected|Actual)" "$log" | head -60
  fi
  echo "$p: $((t - f - s - n)) passed, $f failed, $s skipped, $e errors"
  passed=$((passed + t - f - s - n)); failed=$((failed + f + e)); skipped=$((skipped + s + n))
  if [[ $rc -ne 0 && $f -eq 0 && $e -eq 0 ]]; then echo "$p: runner exited with $rc"; failed=$((failed + 1)); fi
done

echo "$passed passed, $failed failed, $skipped skipped"
if [[ $failed -gt 0 || $passed -eq 0 ]]; then exit 1; fi
exit 0
