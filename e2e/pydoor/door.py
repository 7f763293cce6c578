"""The python-gitlab door of the end-to-end tests.

A Python process that runs each operation the Go test asks for through
python-gitlab 3.x (Debian's python3-gitlab), the way a Python bot or CI
script would. It speaks the same protocol as the Node door
(e2e/node/door.ts): one JSON request per line on stdin, {"id", "op",
"args"}, and one JSON line back on stdout, {"id", "result"} or {"id",
"error", "code"}, where code is the HTTP status of a failed call.

python-gitlab 3.x has no manager for external status checks, merge request
status checks, their responses and retries, or adding to a merge train, so
those go through gl.http_* with GitLab's paths, as a real client of that
version has to; everything else uses the library's own objects.

Usage: python3 door.py <base-url> <token>
"""

import json
import sys
from typing import Any, Callable, Dict, Optional

import gitlab
from gitlab.exceptions import GitlabError, GitlabHttpError, GitlabMRClosedError


def main() -> None:
    if len(sys.argv) != 3:
        sys.exit("usage: python3 door.py <base-url> <token>")
    base, token = sys.argv[1], sys.argv[2]
    # Every call is bounded, like the Go test's own (callTimeout).
    gl = gitlab.Gitlab(base, private_token=token, timeout=30)
    ops = Ops(gl)
    for line in sys.stdin:
        req = json.loads(line)
        out: Dict[str, Any] = {"id": req["id"]}
        run: Optional[Callable[[Dict[str, Any]], Any]] = getattr(ops, "op_" + req["op"], None)
        try:
            if run is None:
                raise ValueError(f"unknown op {req['op']}")
            out["result"] = run(req.get("args") or {})
        except GitlabError as err:
            out["error"], out["code"] = f"{type(err).__name__}: {err}", err.response_code or "unknown"
        except Exception as err:  # a bug here, or the server's answer is not what GitLab's would be
            out["error"], out["code"] = f"{type(err).__name__}: {err}", "unknown"
        sys.stdout.write(json.dumps(out) + "\n")
        sys.stdout.flush()


class Ops:
    """One method per operation; each takes the request's args."""

    def __init__(self, gl: gitlab.Gitlab) -> None:
        self.gl = gl

    def project(self, a: Dict[str, Any]) -> Any:
        # lazy: no GET, just the object to hang managers and paths on.
        return self.gl.projects.get(a["project"], lazy=True)

    def path(self, a: Dict[str, Any], rest: str) -> str:
        return f"/projects/{self.project(a).encoded_id}{rest}"

    # The operations of the scenario every door runs (scenario_test.go).

    def op_createProject(self, a: Dict[str, Any]) -> Any:
        p = self.gl.projects.create({"name": a["name"]})
        return {"path": p.path_with_namespace}

    def op_updateProject(self, a: Dict[str, Any]) -> Any:
        p = self.gl.projects.get(a["project"])
        if "checksMustPass" in a:
            p.only_allow_merge_if_all_status_checks_passed = a["checksMustPass"]
        if "trainsEnabled" in a:
            p.merge_trains_enabled = a["trainsEnabled"]
        p.save()
        return {}

    def op_addCheck(self, a: Dict[str, Any]) -> Any:
        return self.gl.http_post(
            self.path(a, "/external_status_checks"),
            post_data={"name": a["name"], "external_url": a["url"], "shared_secret": a["secret"]},
        )

    def op_addHook(self, a: Dict[str, Any]) -> Any:
        hook = self.project(a).hooks.create({"url": a["url"], "token": a["token"], "pipeline_events": True})
        return {"id": hook.id}

    def op_openMR(self, a: Dict[str, Any]) -> Any:
        mr = self.project(a).mergerequests.create(
            {"source_branch": a["source"], "target_branch": a["target"], "title": a["title"]}
        )
        return {"iid": mr.iid, "sha": mr.sha}

    def op_checkStatuses(self, a: Dict[str, Any]) -> Any:
        return {str(c["id"]): c["status"] for c in self.op_mrStatusChecks(a)}

    def op_respond(self, a: Dict[str, Any]) -> Any:
        return self.gl.http_post(
            self.path(a, f"/merge_requests/{a['iid']}/status_check_responses"),
            post_data={"external_status_check_id": a["check"], "sha": a["sha"], "status": a["status"]},
        )

    def op_retry(self, a: Dict[str, Any]) -> Any:
        return self.gl.http_post(self.path(a, f"/merge_requests/{a['iid']}/status_checks/{a['check']}/retry"))

    def op_merge(self, a: Dict[str, Any]) -> Any:
        mr = self.project(a).mergerequests.get(a["iid"])
        try:
            mr.merge()
        except GitlabMRClosedError as err:
            if err.response_code == 405:  # GitLab's "not mergeable yet"
                return {"blocked": True, "reason": err.error_message}
            raise
        return {"blocked": False, "state": mr.state, "merge_commit_sha": mr.merge_commit_sha}

    def op_setCommitStatus(self, a: Dict[str, Any]) -> Any:
        commit = self.project(a).commits.get(a["sha"])
        status = commit.statuses.create({"state": a["state"], "name": "test"})
        return {"status": status.status, "sha": status.sha, "name": status.name}

    def op_addToTrain(self, a: Dict[str, Any]) -> Any:
        # http_request, not http_post: 201 (on the train) and 202 (joins once
        # its pipeline passes) differ only in the status code.
        res = self.gl.http_request("post", self.path(a, f"/merge_trains/merge_requests/{a['iid']}"))
        return {"onTrain": res.status_code == 201, "status": res.status_code, "cars": res.json()}

    def op_car(self, a: Dict[str, Any]) -> Any:
        try:
            car = self.gl.http_get(self.path(a, f"/merge_trains/merge_requests/{a['iid']}"))
        except GitlabHttpError as err:
            if err.response_code == 404:
                return {"found": False}
            raise
        return {"found": True, "status": car["status"]}

    def op_mrState(self, a: Dict[str, Any]) -> Any:
        mr = self.project(a).mergerequests.get(a["iid"])
        return {"state": mr.state, "merge_commit_sha": mr.merge_commit_sha}

    # More of what a python-gitlab user calls (pydoor_test.go).

    def op_version(self, a: Dict[str, Any]) -> Any:
        version, revision = self.gl.version()
        return {"version": version, "revision": revision}

    def op_listChecks(self, a: Dict[str, Any]) -> Any:
        return self.gl.http_list(self.path(a, "/external_status_checks"), get_all=True)

    def op_updateCheck(self, a: Dict[str, Any]) -> Any:
        return self.gl.http_put(self.path(a, f"/external_status_checks/{a['check']}"), post_data=a["fields"])

    def op_deleteCheck(self, a: Dict[str, Any]) -> Any:
        res = self.gl.http_delete(self.path(a, f"/external_status_checks/{a['check']}"))
        return {"status": res.status_code}

    def op_mrStatusChecks(self, a: Dict[str, Any]) -> Any:
        return self.gl.http_list(self.path(a, f"/merge_requests/{a['iid']}/status_checks"), get_all=True)

    def op_commitStatuses(self, a: Dict[str, Any]) -> Any:
        commit = self.project(a).commits.get(a["sha"])
        return [{"name": s.name, "status": s.status, "sha": s.sha} for s in commit.statuses.list(get_all=True)]

    def op_trainCars(self, a: Dict[str, Any]) -> Any:
        cars = self.project(a).merge_trains.list(scope=a.get("scope", "active"), get_all=True)
        return [{"iid": c.merge_request["iid"], "status": c.status, "target_branch": c.target_branch} for c in cars]

    def op_branchHead(self, a: Dict[str, Any]) -> Any:
        branch = self.project(a).branches.get(a["branch"])
        return {"sha": branch.commit["id"]}


if __name__ == "__main__":
    main()
