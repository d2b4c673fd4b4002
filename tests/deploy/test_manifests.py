"""The cluster files under deploy/: valid Kubernetes objects, and built the way the README promises."""
import importlib.util
import json
import re

import kubernetes_validate
import pytest
import yaml

from bot.settings import GENERATED_SECRETS, PLACEHOLDERS, ROOT

DEPLOY = ROOT / "deploy"
# The schemas kubernetes-validate ships (no download): the oldest release the manifests are checked for.
KUBERNETES_VERSION = "1.28.0"
SECRET = "chat-12345-secrets"
# Anything a stranger could use, a password inside a URL included, comes from the Secret by name.
SECRET_LIKE = re.compile(r"TOKEN|SECRET|PASSWORD|_KEY$|^WECHAT_APP_ID$|^(BACKEND_)?DATABASE_URL$|^TRACKER_STORE_URL$|^REDIS_URL$")
INTERNAL_SERVICES = ("action-server", "dispatch-backend")


def _load():
    found = []
    for path in sorted(DEPLOY.rglob("*.y*ml")):
        for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            if doc:
                found.append((path.relative_to(DEPLOY).as_posix(), doc))
    return found


DOCUMENTS = _load()
# kustomize's file is read by `kubectl apply -k`, never sent to the API server: it has no schema there.
OBJECTS = [(path, doc) for path, doc in DOCUMENTS if doc.get("kind") != "Kustomization"]


def of_kind(kind):
    return [doc for _, doc in OBJECTS if doc["kind"] == kind]


def pod_specs():
    """(workload name, pod spec) of every Deployment and CronJob."""
    for doc in of_kind("Deployment"):
        yield doc["metadata"]["name"], doc["spec"]["template"]["spec"]
    for doc in of_kind("CronJob"):
        yield doc["metadata"]["name"], doc["spec"]["jobTemplate"]["spec"]["template"]["spec"]


def containers():
    for name, spec in pod_specs():
        for container in spec.get("initContainers", []) + spec["containers"]:
            yield name, spec, container


def secret_refs(container):
    """{env name: secretKeyRef} of a container."""
    return {
        env["name"]: env["valueFrom"]["secretKeyRef"]
        for env in container.get("env", [])
        if "secretKeyRef" in env.get("valueFrom", {})
    }


def ingress_backends():
    for ingress in of_kind("Ingress"):
        for rule in ingress["spec"].get("rules", []):
            for path in rule.get("http", {}).get("paths", []):
                yield ingress, path["path"], path["backend"]["service"]


def test_deploy_holds_workloads_services_an_ingress_network_policies_and_a_cronjob():
    assert {"Deployment", "Service", "Ingress", "NetworkPolicy", "CronJob", "ConfigMap"} <= {d["kind"] for _, d in OBJECTS}


@pytest.mark.parametrize(
    "path, doc", OBJECTS, ids=[f"{path}:{doc['kind']}/{doc['metadata']['name']}" for path, doc in OBJECTS]
)
def test_every_manifest_is_a_valid_kubernetes_object_with_no_unknown_field(path, doc):
    # strict: the schemas forbid fields Kubernetes does not know (a typo would otherwise be dropped silently).
    kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)


def test_the_kustomization_applies_every_manifest_of_k8s_and_sets_every_image():
    kustomization = next(doc for _, doc in DOCUMENTS if doc.get("kind") == "Kustomization")
    files = sorted(p.name for p in (DEPLOY / "k8s").glob("*.yaml") if p.name != "kustomization.yaml")
    assert sorted(kustomization["resources"]) == files
    images = {c["image"] for _, _, c in containers()}
    assert images == {i["name"] for i in kustomization["images"]}
    assert all(i["newTag"] and i["newTag"] != "latest" for i in kustomization["images"])


def test_every_image_has_its_dockerfile_on_python_310_running_as_a_non_root_user():
    images = {c["image"] for _, _, c in containers()}
    for image in images:
        dockerfile = DEPLOY / "docker" / f"{image.split('/')[-1]}.Dockerfile"
        assert dockerfile.exists(), f"{image} has no {dockerfile.name}"
        lines = [line.strip() for line in dockerfile.read_text(encoding="utf-8").splitlines()]
        final_stage = lines[max(i for i, line in enumerate(lines) if line.startswith("FROM ")):]
        assert final_stage[0] == "FROM python:3.10-slim", dockerfile.name
        users = [line.split()[1] for line in final_stage if line.startswith("USER ")]
        # A numeric id, so the kubelet can check runAsNonRoot without reading /etc/passwd.
        assert users and users[-1].isdigit() and int(users[-1]) != 0, dockerfile.name
        assert not [line for line in lines if re.match(r"(ENV|ARG)\s", line) and SECRET_LIKE.search(line)], dockerfile.name


def test_every_image_starts_a_process_of_make_run_by_its_command(tmp_path):
    spec = importlib.util.spec_from_file_location("start", DEPLOY / "docker" / "start.py")
    start = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(start)
    for dockerfile in sorted((DEPLOY / "docker").glob("*.Dockerfile")):
        entrypoint = [line for line in dockerfile.read_text(encoding="utf-8").splitlines() if line.startswith("ENTRYPOINT ")]
        argv = json.loads(entrypoint[-1].split(" ", 1)[1])
        assert argv[:2] == ["python", "deploy/docker/start.py"], dockerfile.name
        # An unknown name (a process renamed in bot/stack.py) stops the container with SystemExit.
        assert start.command(argv[2], {"RASA_AUTH_TOKEN": "t" * 32}, var=tmp_path), dockerfile.name
    rasa = start.command("rasa server", {"RASA_AUTH_TOKEN": "t" * 32}, var=tmp_path)
    assert rasa[-2:] == ["--interface", "0.0.0.0"] and "--model" in rasa


def test_rasa_and_the_action_server_run_two_replicas_each():
    replicas = {d["metadata"]["name"]: d["spec"]["replicas"] for d in of_kind("Deployment")}
    assert replicas["rasa"] == 2 and replicas["action-server"] == 2


def test_every_deployment_has_a_readiness_probe_and_every_container_resource_limits():
    for doc in of_kind("Deployment"):
        for container in doc["spec"]["template"]["spec"]["containers"]:
            assert "readinessProbe" in container, doc["metadata"]["name"]
    for name, _, container in containers():
        resources = container.get("resources", {})
        assert {"cpu", "memory"} <= set(resources.get("limits", {})), name
        assert "memory" in resources.get("requests", {}), name


def test_no_container_runs_as_root_or_may_gain_privileges():
    for name, spec, container in containers():
        pod, own = spec.get("securityContext", {}), container.get("securityContext", {})
        assert own.get("runAsNonRoot", pod.get("runAsNonRoot")) is True, name
        assert own.get("runAsUser", pod.get("runAsUser", 1)) != 0, name
        assert own.get("allowPrivilegeEscalation") is False, name
        assert own.get("capabilities", {}).get("drop") == ["ALL"], name


def test_every_secret_comes_from_the_secret_by_name_and_none_is_written_in_a_manifest():
    for name, _, container in containers():
        assert not any("secretRef" in source for source in container.get("envFrom", [])), name
        for env in container.get("env", []):
            if SECRET_LIKE.search(env["name"]):
                assert "value" not in env, f"{name}: {env['name']} is written in the manifest"
                assert env["valueFrom"]["secretKeyRef"]["name"] == SECRET, f"{name}: {env['name']}"
    for config in of_kind("ConfigMap"):
        assert not [key for key in config.get("data", {}) if SECRET_LIKE.search(key)], config["metadata"]["name"]


def test_every_process_gets_the_secrets_production_refuses_to_start_without():
    # bot.settings.Settings.check() stops any process with APP_ENV=production while one is unset.
    for name, _, container in containers():
        refs = secret_refs(container)
        missing = [s for s in GENERATED_SECRETS if s not in refs or refs[s].get("optional")]
        assert not missing, f"{name} lacks {missing}"


def test_the_example_secret_holds_placeholders_only_and_exactly_the_keys_the_manifests_read():
    secrets = [(path, doc) for path, doc in OBJECTS if doc["kind"] == "Secret"]
    assert [path for path, _ in secrets] == ["secret.example.yaml"]
    example = secrets[0][1]
    assert example["metadata"]["name"] == SECRET
    values = {**example.get("stringData", {}), **example.get("data", {})}
    for key, value in values.items():
        assert value in PLACEHOLDERS or ":changeme@" in value, f"{key} holds something other than a placeholder"
    read = {ref["key"] for _, _, c in containers() for ref in secret_refs(c).values()}
    assert read == set(values)


def test_the_ingress_keeps_each_socketio_session_on_one_rasa_pod():
    routes = {(path, service["name"]) for _, path, service in ingress_backends()}
    assert ("/socket.io", "rasa") in routes
    for ingress, _, service in ingress_backends():
        if service["name"] == "rasa":
            annotations = ingress["metadata"].get("annotations", {})
            assert annotations.get("nginx.ingress.kubernetes.io/affinity") == "cookie"
            assert annotations.get("nginx.ingress.kubernetes.io/session-cookie-name")


def test_the_action_server_and_the_backend_are_never_exposed_outside_the_cluster():
    assert not [s["name"] for _, _, s in ingress_backends() if s["name"] in INTERNAL_SERVICES]
    exposed_paths = [path for _, path, _ in ingress_backends()]
    assert "/webhooks/notify" not in exposed_paths and "/conversations" not in exposed_paths
    for service in of_kind("Service"):
        if service["metadata"]["name"] in INTERNAL_SERVICES:
            assert service["spec"].get("type", "ClusterIP") == "ClusterIP"


def test_only_rasa_pods_may_call_the_action_server():
    policy = next(
        p for p in of_kind("NetworkPolicy")
        if p["spec"]["podSelector"]["matchLabels"] == {"app.kubernetes.io/name": "action-server"}
    )
    assert policy["spec"]["policyTypes"] == ["Ingress"]
    sources = [source for rule in policy["spec"]["ingress"] for source in rule["from"]]
    assert sources == [{"podSelector": {"matchLabels": {"app.kubernetes.io/name": "rasa"}}}]


def test_services_ingress_and_config_references_point_at_what_the_manifests_define():
    pods = {}
    for doc in of_kind("Deployment"):
        template = doc["spec"]["template"]
        pods[doc["metadata"]["name"]] = (
            template["metadata"]["labels"],
            {p["name"] for c in template["spec"]["containers"] for p in c.get("ports", [])},
        )
    services = {}
    for service in of_kind("Service"):
        if service["spec"].get("type") == "ExternalName":
            continue
        selector = service["spec"]["selector"]
        matched = [ports for labels, ports in pods.values() if selector.items() <= labels.items()]
        assert len(matched) == 1, service["metadata"]["name"]
        for port in service["spec"]["ports"]:
            assert port["targetPort"] in matched[0], service["metadata"]["name"]
        services[service["metadata"]["name"]] = {p["name"] for p in service["spec"]["ports"]}
    for _, _, backend in ingress_backends():
        assert backend["port"]["name"] in services[backend["name"]]
    config_maps = {c["metadata"]["name"] for c in of_kind("ConfigMap")}
    for name, _, container in containers():
        for source in container.get("envFrom", []):
            assert source["configMapRef"]["name"] in config_maps, name
