#!/usr/bin/env bash
# The steps of action.yml (the GitHub Action), kept in a script so that tests can run them.
#   scripts/action.sh install   installs drplan per DRPLAN_INSTALL
#   scripts/action.sh run       runs the gate per DRPLAN_COMMAND, appends the markdown verdict to
#                               $GITHUB_STEP_SUMMARY, prints GitHub annotations, writes
#                               exit-code to $GITHUB_OUTPUT and exits with drplan's exit code
# Inputs arrive as environment variables (never spliced into the script text).
set -euo pipefail

install() {
  local from=${DRPLAN_INSTALL:-action}
  case $from in
    none) command -v drplan >/dev/null || { echo "::error::install: none, but drplan is not on PATH"; exit 3; } ;;
    action) cargo install --locked --path "${GITHUB_ACTION_PATH:?GITHUB_ACTION_PATH is not set}" ;;
    path:*) cargo install --locked --path "${from#path:}" ;;
    *) cargo install --locked --git "$from" drplan ;;
  esac
  drplan --version
}

run() {
  local command=${DRPLAN_COMMAND:-check}
  local summary=${GITHUB_STEP_SUMMARY:-/dev/null}
  local output=${GITHUB_OUTPUT:-/dev/null}
  local md
  md=$(mktemp)
  local args=()
  case $command in
    check)
      args=(check "${DRPLAN_TOPOLOGY:-topology.yaml}")
      ;;
    diff-terraform)
      [[ -n ${DRPLAN_PLAN:-} ]] || { echo "::error::command diff-terraform needs the plan input"; exit 2; }
      args=(diff)
      [[ -n ${DRPLAN_BASE_PLAN:-} ]] && args+=(--terraform "$DRPLAN_BASE_PLAN")
      args+=(--terraform "$DRPLAN_PLAN")
      [[ -n ${DRPLAN_OVERLAY:-} ]] && args+=(--overlay "$DRPLAN_OVERLAY")
      [[ ${DRPLAN_FAIL_ON_REGRESSION:-false} == true ]] && args+=(--fail-on-regression)
      ;;
    *)
      echo "::error::unknown command '$command' (check or diff-terraform)"
      exit 2
      ;;
  esac
  local code=0
  drplan "${args[@]}" --format markdown --output "$md" || code=$?
  if [[ -s $md ]]; then
    cat "$md" >> "$summary"
    # Annotations for the breaches (the markdown run already decided the exit code).
    drplan "${args[@]}" --format github --no-fail || true
  fi
  echo "exit-code=$code" >> "$output"
  rm -f "$md"
  exit "$code"
}

case ${1:-run} in
  install) install ;;
  run) run ;;
  *) echo "usage: $0 install|run" >&2; exit 2 ;;
esac
