#!/usr/bin/env bash
# Runs drplan's fuzz targets (fuzz/, cargo-fuzz with libFuzzer).
#
#   scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]
#
# Default: 900 s (15 min) for each of load_validate, analyze_structured and import_terraform, one after the other,
# at low priority, built in release mode with debug assertions and overflow checks and without
# AddressSanitizer (`-O -a -s none`: drplan has no unsafe code, and with ASan analyze_structured
# ran 1-6 inputs a second here, without it about 70). FUZZ_BUILD="-O" builds with ASan instead
# (cargo-fuzz's default sanitizer), as the first round in docs/robustness.md ran.
#
# New inputs go to a scratch corpus under fuzz/work/ (ignored by git); the repository's corpus
# fuzz/corpus/<target> is read, never written, and `scripts/fuzz.sh minimize` merges the scratch
# corpus back into it, keeping only inputs that add coverage. A crash, hang
# (timeout, 10 s) or out-of-memory (2 GiB) stops the target and leaves the input in
# fuzz/artifacts/<target>/; replay it with
#   cargo +nightly fuzz run -O -a -s none <target> fuzz/artifacts/<target>/<file>
# (with DRPLAN_FUZZ_PRINT=1, analyze_structured prints the YAML it generated).
#
# Needs: cargo-fuzz (`cargo install cargo-fuzz`) and a nightly toolchain for cargo-fuzz's -Z
# flags (`rustup toolchain install nightly`). Without nightly the script sets RUSTC_BOOTSTRAP=1
# so that stable accepts them; that fallback was not exercised on the project machine, where
# nightly is installed.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"

# shellcheck disable=SC2206
build=(${FUZZ_BUILD:--O -a -s none})
toolchain=(+nightly)
if ! cargo +nightly --version >/dev/null 2>&1; then
  export RUSTC_BOOTSTRAP=1
  toolchain=()
fi

options() {
  case "$1" in
    load_validate) echo "-max_len=16384 -dict=drplan.dict" ;;
    analyze_structured) echo "-max_len=4096" ;;
    import_terraform) echo "-max_len=131072" ;;
  esac
}

if [[ "${1:-}" == minimize ]]; then
  for target in load_validate analyze_structured import_terraform; do
    [[ -d "work/$target" ]] || continue
    mkdir -p "corpus/$target.new"
    # shellcheck disable=SC2046
    cargo "${toolchain[@]}" fuzz run "${build[@]}" "$target" "corpus/$target.new" "corpus/$target" \
      "work/$target" -- -set_cover_merge=1 $(options "$target")
    rm -rf "corpus/$target"
    mv "corpus/$target.new" "corpus/$target"
  done
  exit 0
fi

seconds="${1:-900}"
shift || true
targets=("$@")
((${#targets[@]})) || targets=(load_validate analyze_structured import_terraform)

for target in "${targets[@]}"; do
  mkdir -p "work/$target" "artifacts/$target"
  echo "== $target for ${seconds}s"
  # shellcheck disable=SC2046
  nice -n 10 cargo "${toolchain[@]}" fuzz run "${build[@]}" "$target" "work/$target" "corpus/$target" -- \
    -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="artifacts/$target/" $(options "$target")
done
