#!/usr/bin/env bash
# Checks what can be checked without a Docker engine or a cluster: every YAML document parses, the compose
# file has the expected services and dependencies, and the manifests hold the expected kinds. (kubectl's
# dry run and `docker compose config` both need a server or the compose plugin, which this machine lacks.)
set -euo pipefail
cd "$(dirname "$0")"
python3 - <<'PY'
import yaml, sys
compose = yaml.safe_load(open("compose.yaml"))
services = compose["services"]
for name in ["postgres", "schema", "silo1", "silo2", "api"]:
    assert name in services, f"compose.yaml lacks service {name}"
assert services["silo1"]["depends_on"]["schema"]["condition"] == "service_completed_successfully"
assert services["schema"]["command"] == ["migrate"]
docs = [d for d in yaml.safe_load_all(open("kubernetes/supervision.yaml")) if d]
kinds = sorted(d["kind"] for d in docs)
for kind in ["Deployment", "Job", "Role", "RoleBinding", "Secret", "Service", "ServiceAccount", "Namespace"]:
    assert kind in kinds, f"manifests lack a {kind}"
print(f"compose.yaml: {len(services)} services; kubernetes/supervision.yaml: {len(docs)} documents ({', '.join(kinds)})")
PY
