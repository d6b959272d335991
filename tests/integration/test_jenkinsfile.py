"""`pipewright run --jenkinsfile`: declarative Jenkinsfiles run for real by the native reader and
step interpreter (parallel overlap, catchError, post conditions, credentials, timeout, retry,
when, docker agent), plan, import and the import -> export -> import round trip."""
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import EXAMPLE, git, make_repo
from containers import base_image, containers_env  # noqa: F401

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "jenkinsfile"
SECRET = "jf-s3cr3t-Value-77aa"


def jenkinsfile(stages, post="", top=""):
    return ("pipeline {\n  agent any\n" + top + "  stages {\n" + stages + "  }\n" + post + "}\n")


def write_credentials(env, text):
    path = Path(env["PIPEWRIGHT_CREDENTIALS"])
    path.write_text(text)
    os.chmod(path, 0o600)


def test_stages_run_with_jenkins_names_and_environment(repo, pw):
    stage = r"""    stage('Build it') {
      environment { GREETING = "hi ${env.BRANCH_NAME}" }
      steps {
        sh 'echo "$GREETING $BUILD_NUMBER $BUILD_ID $JOB_NAME $BRANCH_NAME CI=$CI url=[$BUILD_URL] home=[${JENKINS_HOME:-unset}]" > env.txt'
        echo "commit ${env.GIT_COMMIT}"
      }
    }
"""
    project = repo({"Jenkinsfile": jenkinsfile(stage)})
    r = pw(project, "run", "--jenkinsfile", extra_env={"JENKINS_HOME": "/var/jenkins"})
    assert r.code == 0, r
    ids = [s["id"] for s in r.build()["stages"]]
    assert ids == ["Declarative: Checkout SCM", "Build it"]
    ws = Path(r.build()["workspace"])
    text = (ws / "env.txt").read_text()
    assert re.match(rf"hi main 1 1 {project.name} main CI=true url=\[\] home=\[unset\]", text), text
    assert b"commit " + r.build()["commit"].encode() in r.log("Build it")


def test_parallel_stages_overlap(repo, pw):
    project = repo({"Jenkinsfile": jenkinsfile(
        "    stage('Both') {\n      parallel {\n"
        "        stage('A') { steps { sh 'date +%s.%N > a.start; sleep 1; date +%s.%N > a.end' } }\n"
        "        stage('B') { steps { sh 'date +%s.%N > b.start; sleep 1; date +%s.%N > b.end' } }\n"
        "      }\n    }\n    stage('After') { steps { sh 'test -f a.end && test -f b.end' } }\n")})
    r = pw(project, "run", "--jenkinsfile", "-j", "2")
    assert r.code == 0, r
    ws = Path(r.build()["workspace"])
    a0, a1 = float((ws / "a.start").read_text()), float((ws / "a.end").read_text())
    b0, b1 = float((ws / "b.start").read_text()), float((ws / "b.end").read_text())
    assert a0 < b1 and b0 < a1, "the parallel branches did not overlap"
    assert r.stage("After")["status"] == "SUCCESS"


def test_catch_error_gives_unstable_and_post_conditions_fire(repo, pw):
    project = repo({"Jenkinsfile": jenkinsfile(
        "    stage('Scan') {\n      steps {\n"
        "        catchError(buildResult: 'UNSTABLE', stageResult: 'UNSTABLE') { sh 'exit 3' }\n"
        "        sh 'echo after > after.txt'\n      }\n"
        "      post { unstable { sh 'echo stage-unstable > stage-post.txt' } success { sh 'touch never' } }\n"
        "    }\n",
        post="  post {\n    always { sh 'echo always >> $WORKSPACE/post.txt' }\n"
             "    success { sh 'echo success >> $WORKSPACE/post.txt' }\n"
             "    unstable { sh 'echo unstable >> $WORKSPACE/post.txt' }\n"
             "    unsuccessful { sh 'echo unsuccessful >> $WORKSPACE/post.txt' }\n"
             "    changed { sh 'echo changed >> $WORKSPACE/post.txt' }\n"
             "    cleanup { sh 'echo cleanup >> $WORKSPACE/post.txt' }\n  }\n")})
    r = pw(project, "run", "--jenkinsfile")
    assert r.code == 3, r
    assert r.build()["status"] == "UNSTABLE"
    assert r.stage("Scan")["status"] == "UNSTABLE"
    ws = Path(r.build()["workspace"])
    assert (ws / "after.txt").exists()
    assert (ws / "stage-post.txt").exists() and not (ws / "never").exists()
    # Jenkins' order; changed holds on a first build.
    assert (ws / "post.txt").read_text().split() == ["always", "changed", "unstable", "unsuccessful", "cleanup"]


def test_failure_stops_later_stages_and_post_failure_runs(repo, pw):
    project = repo({"Jenkinsfile": jenkinsfile(
        "    stage('Bad') { steps { error 'broken on purpose' } }\n"
        "    stage('Later') { steps { sh 'touch later' } }\n",
        post="  post { failure { echo 'it failed' } }\n")})
    r = pw(project, "run", "--jenkinsfile")
    assert r.code == 1, r
    assert r.stage("Bad")["status"] == "FAILURE"
    assert "broken on purpose" in r.stage("Bad")["summary"]
    assert r.stage("Later")["status"] == "NOT_BUILT"
    assert b"it failed" in r.log("post")


def parallel_with_a_failure(fail_fast):
    # A fails only once B is running; B then either finishes (b.done) or waits until it is stopped.
    return jenkinsfile(
        "    stage('Both') {\n" + ("      failFast true\n" if fail_fast else "") +
        "      parallel {\n"
        "        stage('A') { steps { sh 'while [ ! -f b.started ]; do sleep 0.05; done; exit 1' } }\n"
        "        stage('B') { steps { sh 'touch b.started; if [ -n \"$WAIT\" ]; then sleep 60; fi; "
        "touch b.done' } }\n"
        "      }\n    }\n    stage('After') { steps { sh 'touch after' } }\n")


def test_parallel_without_fail_fast_lets_the_other_branches_finish(repo, pw):
    """Jenkins' default: a failed branch does not stop its siblings; the stage after is skipped."""
    project = repo({"Jenkinsfile": parallel_with_a_failure(False)})
    r = pw(project, "run", "--jenkinsfile", "-j", "3")
    assert r.code == 1, r
    assert r.stage("A")["status"] == "FAILURE"
    assert r.stage("B")["status"] == "SUCCESS", r.stage("B")
    assert r.stage("After")["status"] == "NOT_BUILT"
    ws = Path(r.build()["workspace"])
    assert (ws / "b.done").exists() and not (ws / "after").exists()


def test_parallel_fail_fast_stops_the_running_branches(repo, pw):
    for where in ("stage", "options"):
        text = parallel_with_a_failure(where == "stage")
        if where == "options":
            text = text.replace("  agent any\n", "  agent any\n  options { parallelsAlwaysFailFast() }\n")
        project = repo({"Jenkinsfile": text})
        r = pw(project, "run", "--jenkinsfile", "-j", "3", extra_env={"WAIT": "1"})
        assert r.code == 1, r
        assert r.stage("A")["status"] == "FAILURE"
        assert r.stage("B")["status"] == "ABORTED", (where, r.stage("B"))
        assert r.stage("After")["status"] == "NOT_BUILT"
        assert not (Path(r.build()["workspace"]) / "b.done").exists()


def test_post_of_a_stage_with_nested_stages_runs_after_them(repo, pw):
    """A post block on a stage holding stages or parallel runs once they are done, with their
    result as the stage's: after a failure inside (which still stops the stages after it), after
    a success, and not at all when an earlier failure kept the stage from running."""
    project = repo({"Jenkinsfile": jenkinsfile(
        "    stage('Checks') {\n      stages {\n"
        "        stage('Lint') { steps { sh 'touch lint.done' } }\n"
        "        stage('Test') { steps { sh 'test -z \"$BREAK\"' } }\n"
        "      }\n"
        "      post {\n"
        "        always { sh 'echo \"always $STAGE_NAME $(ls lint.done)\" >> checks-post.txt' }\n"
        "        failure { sh 'echo failure >> checks-post.txt' }\n"
        "        success { sh 'echo success >> checks-post.txt' }\n"
        "      }\n    }\n"
        "    stage('Both') {\n      parallel {\n"
        "        stage('A') { steps { sh 'touch a' } }\n"
        "        stage('B') { steps { sh 'touch b' } }\n"
        "      }\n"
        "      post { success { sh 'ls a b > both-post.txt' } }\n    }\n"
        "    stage('After') { steps { sh 'touch after' } }\n")})
    r = pw(project, "run", "--jenkinsfile", "-j", "2")
    assert r.code == 0, r
    ids = [s["id"] for s in r.build()["stages"]]
    assert ids.index("Checks: post") > ids.index("Test"), ids
    assert ids.index("Both: post") > max(ids.index("A"), ids.index("B")), ids
    assert ids.index("After") > ids.index("Both: post"), ids
    ws = Path(r.build()["workspace"])
    assert (ws / "checks-post.txt").read_text() == "always Checks lint.done\nsuccess\n"
    assert (ws / "both-post.txt").read_text() == "a\nb\n"

    r = pw(project, "run", "--jenkinsfile", "-j", "2", extra_env={"BREAK": "1"})
    assert r.code == 1, r
    assert r.stage("Test")["status"] == "FAILURE"
    assert r.stage("Checks: post")["status"] == "SUCCESS", r.stage("Checks: post")
    ws = Path(r.build()["workspace"])
    assert (ws / "checks-post.txt").read_text() == "always Checks lint.done\nfailure\n"
    for later in ("A", "B", "Both: post", "After"):
        assert r.stage(later)["status"] == "NOT_BUILT", (later, r.stage(later))
    assert not (ws / "a").exists() and not (ws / "after").exists()

    # An earlier failure: the stage does not run, so neither does its post.
    text = jenkinsfile("    stage('First') { steps { error 'stop here' } }\n"
                       "    stage('Checks') {\n      stages {\n"
                       "        stage('Lint') { steps { sh 'touch lint.done' } }\n      }\n"
                       "      post { always { sh 'touch checks-post' } }\n    }\n")
    project = repo({"Jenkinsfile": text})
    r = pw(project, "run", "--jenkinsfile")
    assert r.code == 1, r
    assert r.stage("Lint")["status"] == "NOT_BUILT"
    assert r.stage("Checks: post")["status"] == "NOT_BUILT", r.stage("Checks: post")
    assert not (Path(r.build()["workspace"]) / "checks-post").exists()


APPROVAL = jenkinsfile(
    "    stage('Approve') {\n"
    "      input {\n        message 'Deploy to production?'\n        ok 'Deploy'\n"
    "        parameters {\n"
    "          string(name: 'TARGET', defaultValue: 'prod-1', description: 'host')\n"
    "          choice(name: 'SIZE', choices: ['small', 'large'])\n"
    "          booleanParam(name: 'DRY', defaultValue: true)\n"
    "        }\n      }\n"
    "      steps {\n"
    "        sh 'echo \"target=$TARGET size=$SIZE dry=$DRY\" > approved.txt'\n"
    "        input message: 'Really?'\n"
    "        sh 'echo done >> approved.txt'\n"
    "      }\n    }\n"
    "    stage('Wait') { steps { timeout(time: 1, unit: 'SECONDS') { input 'Go on?' } } }\n")


def run_on_a_terminal(pw, project, answers, *args):
    """Runs pipewright with a pseudo-terminal as stdin, the answers typed ahead."""
    import pty
    master, slave = pty.openpty()
    try:
        os.write(master, answers.encode())
        return pw(project, "run", "--jenkinsfile", *args, stdin=slave)
    finally:
        os.close(slave)
        os.close(master)


def test_input_is_asked_on_a_terminal(repo, pw):
    """input, the stage directive and the step, asked at the terminal: the directive's answers
    become the stage's variables (a wrong choice is asked again), abort ends the build ABORTED,
    a timeout around an input aborts too, and without a terminal the build does not start."""
    project = repo({"Jenkinsfile": APPROVAL})
    r = run_on_a_terminal(pw, project, "Deploy\nhost-9\nhuge\nlarge\nno\n\n")
    assert r.code == 130, r
    ws = Path(r.build()["workspace"])
    assert (ws / "approved.txt").read_text() == "target=host-9 size=large dry=false\ndone\n"
    assert r.stage("Approve")["status"] == "SUCCESS"
    assert r.out.count("SIZE {small/large} [small]:") == 2, r.out  # 'huge' is no choice
    log = r.log("Approve").decode()
    assert "Input requested: Deploy to production?" in log and "TARGET = host-9" in log, log
    wait = r.stage("Wait")
    assert wait["status"] == "ABORTED", wait
    assert wait["summary"] == "Timeout has been exceeded waiting for input: Go on?", wait
    assert r.build()["status"] == "ABORTED"

    r = run_on_a_terminal(pw, project, "\n\n\n\nabort\n")
    assert r.code == 130, r
    assert r.stage("Approve")["status"] == "ABORTED"
    assert r.stage("Approve")["summary"] == "input rejected at the terminal: Really?"
    assert r.stage("Wait")["status"] == "NOT_BUILT"
    ws = Path(r.build()["workspace"])
    assert (ws / "approved.txt").read_text() == "target=prod-1 size=small dry=true\n"

    builds = len(list((project / ".pipewright" / "builds").iterdir()))
    r = pw(project, "run", "--jenkinsfile")
    assert r.code == 2, r
    assert "waits for a person and there is no terminal" in r.err, r.err
    assert len(list((project / ".pipewright" / "builds").iterdir())) == builds


def test_with_credentials_binds_and_masks(repo, pw, env):
    write_credentials(env, f"dockerhub:\n  username: robot\n  password: {SECRET}\napi-token: {SECRET}x\n")
    project = repo({"Jenkinsfile": jenkinsfile(
        "    stage('Push') {\n      environment { DH = credentials('dockerhub') }\n      steps {\n"
        "        withCredentials([usernamePassword(credentialsId: 'dockerhub', usernameVariable: 'U', passwordVariable: 'P'),\n"
        "                         string(credentialsId: 'api-token', variable: 'TOKEN')]) {\n"
        "          sh 'echo \"user $U pass $P token $TOKEN\"; test \"$DH_USR\" = robot; test \"$DH_PSW\" = \"$P\"'\n"
        "          sh 'test \"$P\" = \"" + SECRET + "\"'\n"
        "        }\n      }\n    }\n")})
    r = pw(project, "run", "--jenkinsfile", "--verbose")
    assert r.code == 0, r
    assert SECRET not in r.text
    log = r.log("Push")
    assert SECRET.encode() not in log
    assert b"pass **** token ****" in log  # every credential value is masked, as for any stage


def test_missing_credential_is_named_before_the_build(repo, pw):
    project = repo({"Jenkinsfile": jenkinsfile(
        "    stage('Push') {\n      steps {\n"
        "        withCredentials([string(credentialsId: 'nope', variable: 'T')]) { sh 'true' }\n"
        "      }\n    }\n")})
    r = pw(project, "run", "--jenkinsfile")
    assert r.code == 2, r
    assert re.search(r"Jenkinsfile:6:26: credential 'nope' is not in", r.err), r.err
    assert not (project / ".pipewright" / "builds" / "1").exists()


def test_timeout_kills_and_retry_retries(repo, pw):
    project = repo({"Jenkinsfile": jenkinsfile(
        "    stage('Flaky') {\n      steps {\n"
        "        retry(3) { sh 'echo x >> tries; test $(wc -l < tries) -ge 3' }\n      }\n    }\n"
        "    stage('Slow') {\n      steps {\n"
        "        timeout(time: 1, unit: 'SECONDS') { sh 'echo $$ > slow.pid; sleep 30' }\n      }\n    }\n")})
    r = pw(project, "run", "--jenkinsfile")
    assert r.code == 1, r
    ws = Path(r.build()["workspace"])
    assert len((ws / "tries").read_text().split()) == 3
    assert r.stage("Flaky")["status"] == "SUCCESS"
    assert r.stage("Slow")["status"] == "FAILURE"
    assert "Timeout has been exceeded" in r.stage("Slow")["summary"]
    pid = int((ws / "slow.pid").read_text())
    assert not Path(f"/proc/{pid}").exists() or ") Z " in Path(f"/proc/{pid}/stat").read_text()
    assert r.stage("Slow")["duration_ms"] < 25000  # recorded duration: killed, not waited out


def test_when_branch_and_expression_skip(repo, pw):
    project = repo({"Jenkinsfile": jenkinsfile(
        "    stage('Release') { when { branch 'release/*' }\n steps { sh 'touch released' } }\n"
        "    stage('Main only') { when { branch 'main' }\n steps { sh 'touch main' } }\n"
        "    stage('Param') { when { expression { return params.DEPLOY } }\n steps { sh 'touch deployed' } }\n",
        top="  parameters { booleanParam(name: 'DEPLOY', defaultValue: false) }\n")})
    r = pw(project, "run", "--jenkinsfile")
    assert r.code == 0, r
    assert r.stage("Release")["status"] == "SKIPPED"
    assert "when conditional" in r.stage("Release")["summary"]
    assert r.stage("Main only")["status"] == "SUCCESS"
    assert r.stage("Param")["status"] == "SKIPPED"
    r = pw(project, "run", "--jenkinsfile", "-p", "DEPLOY=true")
    assert r.stage("Param")["status"] == "SUCCESS"


def test_undefined_variable_is_jenkins_error(repo, pw):
    project = repo({"Jenkinsfile": jenkinsfile(
        "    stage('Echo') { steps { echo \"value ${NOPE}\" } }\n")})
    r = pw(project, "run", "--jenkinsfile")
    assert r.code == 1, r
    assert "groovy.lang.MissingPropertyException: No such property: NOPE" in r.stage("Echo")["summary"]


def test_unsupported_step_stops_before_build_or_is_skipped(repo, pw):
    project = repo({"Jenkinsfile": jenkinsfile(
        "    stage('Notify') { steps {\n slackSend channel: '#ci'\n sh 'touch ran' } }\n")})
    r = pw(project, "run", "--jenkinsfile")
    assert r.code == 2, r
    assert "step 'slackSend' (plugin slack) has no local meaning" in r.err
    assert not (project / ".pipewright").exists()
    r = pw(project, "run", "--jenkinsfile", "--skip-unsupported")
    assert r.code == 0, r
    assert "SKIPPED" in r.stage("Notify")["summary"]


SCRIPTED = r"""def report = 'reports/junit.xml'
timestamps {
  node('linux') {
    try {
      stage('Checkout') {
        checkout scm
        sh 'echo checkout >> $WORKSPACE/order.txt'
      }
      withEnv(['GREETING=hello from withEnv']) {
        stage('Test') {
          sh 'echo test >> $WORKSPACE/order.txt; echo "$GREETING" > greeting.txt'
          sh "mkdir -p reports && printf '%s' '<testsuite name=\"s\" tests=\"1\"><testcase classname=\"t\" name=\"ok\"/></testsuite>' > ${report}"
        }
      }
      env.STAMP = 'stamped'
      stage('Checks') {
        parallel(
          lint: { sh 'echo lint > lint.txt' },
          types: { dir('sub') { sh 'echo types > types.txt' } }
        )
      }
      stage('Package') {
        sh 'echo "package $STAMP" >> $WORKSPACE/order.txt'
        sh "${FAIL_CMD}"
      }
      stage('Publish') { sh 'echo publish >> $WORKSPACE/order.txt' }
    } catch (err) {
      echo "failed: ${err}"
      throw err
    } finally {
      junit report
      sh 'echo finally >> $WORKSPACE/order.txt'
    }
  }
}
"""


def test_scripted_pipeline_runs_its_stages_in_order(repo, pw):
    project = repo({"Jenkinsfile": SCRIPTED.replace("${FAIL_CMD}", "true")})
    r = pw(project, "run", "--jenkinsfile", "-j", "2")
    assert r.code == 0, r
    stages = r.build()["stages"]
    ids = [s["id"] for s in stages]
    # The branches are recorded as they start: in either order.
    assert ids[:2] == ["Checkout", "Test"] and sorted(ids[2:4]) == ["lint", "types"], ids
    assert ids[4:] == ["Package", "Publish", "post"], ids
    needs = {s["id"]: s.get("needs", []) for s in stages}
    assert needs["Test"] == ["Checkout"] and needs["lint"] == ["Test"]
    assert sorted(needs["Package"]) == ["lint", "types"]
    ws = Path(r.build()["workspace"])
    assert (ws / "order.txt").read_text().split("\n") == [
        "checkout", "test", "package stamped", "publish", "finally", ""]
    assert (ws / "greeting.txt").read_text() == "hello from withEnv\n"  # withEnv's variable
    assert (ws / "lint.txt").exists() and (ws / "sub" / "types.txt").exists()
    assert r.stage("post")["status"] == "SUCCESS"
    assert b"failed:" not in r.log("post")  # the catch is post failure: it did not run


def test_scripted_pipeline_failing_sh_fails_the_build_with_its_stage(repo, pw):
    project = repo({"Jenkinsfile": SCRIPTED.replace("${FAIL_CMD}", "exit 3")})
    r = pw(project, "run", "--jenkinsfile")
    assert r.code == 1, r
    assert r.build()["status"] == "FAILURE"
    assert r.stage("Package")["status"] == "FAILURE"
    assert r.stage("Package")["summary"] == "script returned exit code 3"
    assert "Package" in r.text and "script returned exit code 3" in r.text
    assert r.stage("Publish")["status"] == "NOT_BUILT"
    # catch and finally ran after the failure (as post failure and always); junit read the report.
    ws = Path(r.build()["workspace"])
    assert (ws / "order.txt").read_text().splitlines()[-1] == "finally"
    assert b"failed: a stage failed" in r.log("post")


def test_scripted_pipeline_refusals_name_their_line(repo, pw):
    project = repo({"Jenkinsfile": "node {\n  stage('A') { sh 'true' }\n  stage('B') {\n"
                                   "    for (v in ['3.11', '3.12']) { sh 'true' }\n  }\n}\n"})
    r = pw(project, "run", "--jenkinsfile")
    assert r.code == 2, r
    assert "Jenkinsfile:4:5: a scripted stage holds Groovy that is not a plain step (`for" in r.err, r
    assert not (project / ".pipewright").exists()
    (project / "Jenkinsfile").write_text(
        "node {\n  stage('A') { sh 'true' }\n  lock('db') {\n    stage('B') { sh 'true' }\n  }\n}\n")
    r = pw(project, "run", "--jenkinsfile")
    assert r.code == 2, r
    assert "Jenkinsfile:3:3: `lock` holds stages" in r.err, r


def test_scripted_pipeline_imports_and_runs_the_same(repo, pw):
    project = repo({"Jenkinsfile": r"""node {
  def reports = 'out/reports'
  stage('Checkout') { checkout scm }
  withEnv(["DEST=${reports}"]) {
    stage('Test') {
      env.MODE = 'strict'
      sh 'mkdir -p $DEST && echo "$MODE" > $DEST/mode.txt'
    }
  }
  stage('Report') {
    echo "reports in ${reports}"
    sh "test -f ${reports}/mode.txt && echo seen > seen.txt"
  }
}
"""})
    r = pw(project, "import", "jenkinsfile")
    assert r.code == 0, r
    text = (project / "pipewright.yaml").read_text()
    # A scripted pipeline checks out with `checkout scm`: pipewright's checkout stays.
    assert "checkout: {enabled: false}" not in text, text
    r = pw(project, "run")
    assert r.code == 0, r
    assert [r.stage(s)["status"] for s in ("checkout", "checkout-2", "test", "report")] == [
        "SUCCESS"] * 4
    ws = Path(r.build()["workspace"])
    assert (ws / "out" / "reports" / "mode.txt").read_text() == "strict\n"
    assert (ws / "seen.txt").exists()  # the top-level def seen by a later stage's script
    assert b"reports in out/reports" in r.log("report")


PATH_PLUS = r"""node {
  stage('Checkout') { checkout scm }
  withEnv(["PATH+TOOLS=${env.WORKSPACE}/tools", 'MODE=x']) {
    stage('Use') { sh 'mytool > used.txt && echo "$PATH" > path.txt' }
  }
}
"""


def test_withenv_path_plus_puts_the_folder_in_front_of_path(repo, pw, env):
    """Jenkins' PATH+NAME=dir (the way a Jenkinsfile puts a venv's bin/ first) prepends dir to
    PATH, run natively and imported alike; PATH itself stays whole."""
    tool = "#!/bin/sh\necho from-the-tools-folder\n"
    for how in ("jenkinsfile", "import"):
        project = repo({"Jenkinsfile": PATH_PLUS, "tools/mytool": tool})
        git(project, "update-index", "--chmod=+x", "tools/mytool", env=env)
        git(project, "commit", "-qm", "the tool is a program", env=env)
        if how == "import":
            assert pw(project, "import", "jenkinsfile").code == 0
            r = pw(project, "run")
            use = "use"
        else:
            r = pw(project, "run", "--jenkinsfile")
            use = "Use"
        assert r.code == 0, (how, r)
        ws = Path(r.build()["workspace"])
        assert (ws / "used.txt").read_text() == "from-the-tools-folder\n", how
        path = (ws / "path.txt").read_text().strip().split(":")
        assert path[0] == str(ws / "tools") and "/usr/bin" in path, (how, path)
        assert r.stage(use)["status"] == "SUCCESS"


def test_scripted_docker_image_inside_runs_the_stage_in_a_container(repo, pw, containers_env, base_image):  # noqa: F811
    project = repo({"Jenkinsfile": (
        "node {\n"
        f"  docker.image('{base_image}').inside {{\n"
        "    stage('Inside') {\n"
        "      sh 'test -f /run/.containerenv && echo container > where.txt'\n"
        "    }\n"
        "  }\n"
        "  stage('Outside') { sh 'test ! -f /run/.containerenv' }\n"
        "}\n")})
    r = pw(project, "run", "--jenkinsfile", extra_env=containers_env, timeout=300)
    assert r.code == 0, r
    ws = Path(r.build()["workspace"])
    assert (ws / "where.txt").read_text() == "container\n"
    assert r.stage("Outside")["status"] == "SUCCESS"


def test_scripted_parallel_of_branches_with_stages(repo, pw):
    project = repo({"Jenkinsfile": r"""node { stage('Checkout') { checkout scm } }
def tox = 'echo tox'
parallel(
  py311: {
    node {
      stage('Test 3.11') { sh "${tox} -e py311 > py311.txt" }
      stage('Report 3.11') { sh 'test -f py311.txt && echo reported >> py311.txt' }
    }
  },
  lint: { node { sh 'echo lint > lint.txt' } }
)
stage('Package') { sh 'test -f py311.txt && test -f lint.txt && echo packaged > package.txt' }
"""})
    r = pw(project, "run", "--jenkinsfile", "-j", "2")
    assert r.code == 0, r
    needs = {s["id"]: sorted(s.get("needs", [])) for s in r.build()["stages"]}
    assert needs == {"Checkout": [], "Test 3.11": ["Checkout"], "Report 3.11": ["Test 3.11"],
                     "lint": ["Checkout"], "Package": ["Report 3.11", "lint"]}, needs
    assert all(s["status"] == "SUCCESS" for s in r.build()["stages"])
    ws = Path(r.build()["workspace"])
    assert (ws / "py311.txt").read_text() == "tox -e py311\nreported\n"
    assert (ws / "package.txt").exists()


def test_scripted_pytest_pipeline_with_junit_in_finally(repo, pw, env):
    """The shape the task names: checkout, pytest writing JUnit XML, flake8, and junit in a
    finally around the stages; a failing test makes the build UNSTABLE through junit, as the JUnit
    plugin does, when the sh step lets pytest's status go."""
    files = {
        "calc.py": "def add(a, b):\n    return a + b\n",
        "tests/__init__.py": "",
        "tests/test_calc.py": "from calc import add\n\n\ndef test_add():\n    assert add(1, 2) == 3\n",
        "Jenkinsfile": r"""node {
    stage('Checkout') { checkout scm }
    try {
        stage('Test') {
            sh '/usr/bin/python3 -m pytest -q -p no:cacheprovider --junitxml=report.xml || true'
        }
        stage('Lint') { sh '/usr/bin/python3 -m flake8 calc.py' }
    } finally {
        junit 'report.xml'
    }
}
""",
    }
    project = repo(files)
    r = pw(project, "run", "--jenkinsfile", timeout=180)
    assert r.code == 0, r
    assert r.stage("post")["summary"].endswith("junit: 1 tests, 0 failed"), r.stage("post")
    (project / "tests" / "test_calc.py").write_text(
        files["tests/test_calc.py"] + "\n\ndef test_broken():\n    assert add(2, 2) == 5\n")
    git(project, "commit", "-qam", "a failing test", env=env)
    r = pw(project, "run", "--jenkinsfile", timeout=180)
    assert r.code == 3, r
    assert r.build()["status"] == "UNSTABLE"
    assert r.stage("Test")["status"] == "SUCCESS" and r.stage("Lint")["status"] == "SUCCESS"
    assert r.stage("post")["status"] == "UNSTABLE"
    assert "junit: 2 tests, 1 failed" in r.stage("post")["summary"]


def test_syntax_errors(repo, pw):
    project = repo({"Jenkinsfile": "node {\n  stage('x') { sh 'make' }\n}\n"})
    (project / "Jenkinsfile").write_text("pipeline {\n  agent any\n  stages {\n")
    r = pw(project, "run", "--jenkinsfile")
    assert r.code == 2
    assert "never closed" in r.err


def test_plain_run_hints_at_the_jenkinsfile(repo, pw):
    project = repo({"Jenkinsfile": jenkinsfile("    stage('A') { steps { echo 'x' } }\n"),
                    "pipewright.yaml": "stages:\n" + "".join(
                        f"  {s}: {{enabled: false}}\n" for s in [
                            "preflight", "setup-python", "lock-check", "tests", "lint", "format-ruff",
                            "format-black", "typecheck", "security-lint", "audit", "quality",
                            "dependency-scan", "analysis", "quality-gate", "package", "image-build",
                            "image-scan", "image-push", "upload", "deploy"])})
    r = pw(project, "run")
    assert "pipewright run --jenkinsfile" in r.err, r


def test_plan_shows_mapping(repo, pw):
    shutil.copy(FIXTURES / "seed.Jenkinsfile", Path(repo({"x": "y"})) / "Jenkinsfile")
    project = repo({"Jenkinsfile": (FIXTURES / "seed.Jenkinsfile").read_text()})
    r = pw(project, "plan", "--jenkinsfile")
    assert r.code == 0, r
    assert re.search(r"OWASP Dependency Check\s+steps -> dependency-scan", r.out), r.out
    assert re.search(r"SonarQube Analysis\s+steps -> analysis", r.out)
    assert re.search(r"Quality Gate\s+steps -> quality-gate", r.out)
    assert "buildDiscarder" in r.out


def test_artifacts_stash_and_junit(repo, pw):
    junit = ('<testsuite name="s" tests="2" failures="1"><testcase classname="t" name="a"/>'
             '<testcase classname="t" name="b"><failure message="no"/></testcase></testsuite>')
    project = repo({"Jenkinsfile": jenkinsfile(
        "    stage('Make') { steps {\n writeFile file: 'dist/app.txt', text: 'payload'\n"
        " stash name: 'dist', includes: 'dist/**'\n"
        " writeFile file: 'report.xml', text: '" + junit + "'\n junit 'report.xml'\n } }\n"
        "    stage('Use') { steps {\n dir('other') { unstash 'dist'; sh 'test \"$(cat dist/app.txt)\" = payload' }\n"
        " archiveArtifacts artifacts: 'dist/*'\n } }\n")})
    r = pw(project, "run", "--jenkinsfile")
    assert r.code == 3, r  # a failed test makes the build UNSTABLE, as the JUnit plugin does
    assert r.stage("Make")["status"] == "UNSTABLE"
    assert r.stage("Make")["data"]["tests"]["failed"] == 1
    art = project / ".pipewright" / "builds" / "1" / "artifacts"
    assert (art / "dist" / "app.txt").read_text() == "payload"
    import hashlib
    sums = (art / "SHA256SUMS").read_text()
    assert f"{hashlib.sha256(b'payload').hexdigest()}  dist/app.txt" in sums


def test_import_writes_a_pipeline_that_runs_the_same(repo, pw):
    project = repo({"Jenkinsfile": jenkinsfile(
        "    stage('Build') { steps { sh 'echo built > built.txt' } }\n"
        "    stage('Check') { when { branch 'main' }\n steps { sh 'test -f built.txt' } }\n",
        post="  post { always { echo 'done' } }\n")})
    r = pw(project, "import", "jenkinsfile")
    assert r.code == 0, r
    text = (project / "pipewright.yaml").read_text()
    assert "build:" in text and "description: \"Build\"" in text
    r = pw(project, "run")
    assert r.code == 0, r
    assert r.stage("build")["status"] == "SUCCESS"
    assert r.stage("check")["status"] == "SUCCESS"


def test_round_trip_import_export_import(repo, pw, tmp_path):
    project = repo({"Jenkinsfile": (FIXTURES / "seed.Jenkinsfile").read_text()})
    r = pw(project, "import", "jenkinsfile", "-o", "-")
    assert r.code == 0, r
    first = r.out
    (project / "pipewright.yaml").write_text(first)
    r = pw(project, "plan", "--yaml")
    assert r.code == 0, r
    plan1 = r.out
    r = pw(project, "export", "jenkins", "-o", "Jenkinsfile.exported")
    assert r.code == 0, r
    r = pw(project, "import", "jenkinsfile", "Jenkinsfile.exported", "-o", "-")
    assert r.code == 0, r
    (project / "pipewright.yaml").write_text(r.out)
    r = pw(project, "plan", "--yaml")
    assert r.code == 0, r
    assert r.out == plan1


SEED_STYLE = """pipeline {
    agent any
    stages {
        stage('Preflight Validation') {
            steps { sh '/usr/bin/python3 --version && test -d app && test -d tests && test -f requirements-dev.txt' }
        }
        stage('Run Tests') {
            steps { sh '/usr/bin/python3 -m pytest -q --cov=app --cov-report=xml:coverage.xml --junitxml=report.xml tests' }
            post { always { junit 'report.xml' } }
        }
        stage('Python Quality Stack') {
            steps { sh '/usr/bin/python3 -m flake8 app || true' }
        }
        stage('OWASP Dependency Check') {
            steps {
                catchError(buildResult: 'SUCCESS', stageResult: 'UNSTABLE') {
                    dependencyCheck additionalArguments: '--scan ./ --format XML', odcInstallation: 'dependency-check'
                    dependencyCheckPublisher pattern: 'dependency-check-report.xml'
                }
            }
        }
        stage('SonarQube Analysis') {
            steps {
                withSonarQubeEnv('SonarQube') {
                    sh 'sonar-scanner -Dsonar.projectKey=app -Dsonar.sources=app'
                }
            }
        }
        stage('Quality Gate') {
            steps { timeout(time: 5, unit: 'MINUTES') { waitForQualityGate abortPipeline: true } }
        }
    }
    post { always { archiveArtifacts artifacts: '*.xml', allowEmptyArchive: true } }
}
"""


@pytest.mark.skipif(
    subprocess.run(["/usr/bin/python3", "-c", "import pytest, pytest_cov, flake8"],
                   capture_output=True).returncode != 0,
    reason="Debian's pytest, pytest-cov and flake8 are missing: run scripts/install-deps.sh")
def test_seed_style_jenkinsfile_runs_to_the_quality_gate_offline(tmp_path, env, pw):
    from test_python_stages import copy_example
    env["XDG_CACHE_HOME"] = str(tmp_path / "cache")

    def edit(d):
        (d / "pipewright.yaml").unlink()
        (d / "Jenkinsfile").write_text(SEED_STYLE)

    project = copy_example(tmp_path / "python-app", env, edit)
    assert pw(project, "db", "import", str(EXAMPLE / "advisories")).code == 0
    r = pw(project, "run", "--jenkinsfile", timeout=600)
    assert r.code in (0, 3), r
    ids = [s["id"] for s in r.build()["stages"]]
    assert ids[:7] == ["Declarative: Checkout SCM", "Preflight Validation", "Run Tests",
                       "Python Quality Stack", "OWASP Dependency Check", "SonarQube Analysis",
                       "Quality Gate"]
    assert r.stage("Run Tests")["data"]["tests"]["tests"] > 0
    assert b"done by pipewright's offline dependency-scan" in r.log("OWASP Dependency Check")
    assert b"done by pipewright's analysis" in r.log("SonarQube Analysis")
    assert r.stage("SonarQube Analysis")["data"].get("measures")
    assert r.stage("Quality Gate")["status"] == "SUCCESS", r.stage("Quality Gate")
    assert (project / ".pipewright/builds/1/artifacts/report.xml").exists()


def test_docker_agent_runs_steps_in_a_podman_container(repo, pw, containers_env, base_image):  # noqa: F811
    project = repo({"Jenkinsfile": (
        "pipeline {\n  agent none\n  stages {\n"
        "    stage('Inside') {\n"
        f"      agent {{ docker {{ image '{base_image}' }} }}\n"
        "      environment { FROM_JF = 'yes' }\n"
        "      steps {\n"
        "        sh 'test -f /run/.containerenv && echo container > where.txt; echo \"$FROM_JF $BUILD_NUMBER\" >> where.txt'\n"
        "      }\n    }\n"
        "    stage('Outside') { agent any\n steps { sh 'test ! -f /run/.containerenv' } }\n"
        "  }\n}\n")})
    r = pw(project, "run", "--jenkinsfile", extra_env=containers_env, timeout=300)
    assert r.code == 0, r
    ws = Path(r.build()["workspace"])
    assert (ws / "where.txt").read_text().split() == ["container", "yes", "1"]


def test_docker_agent_image_that_cannot_be_pulled_is_the_reason(repo, pw, containers_env, base_image):  # noqa: F811
    """A public Jenkinsfile's `agent { docker 'python' }` offline: the stage says the image could
    not be pulled, as Jenkins' Docker Pipeline pulls an image the machine lacks before the steps,
    instead of the script's 'exit code 125'. The image named here is on no registry this machine
    reaches (a loopback port nobody listens on)."""
    project = repo({"Jenkinsfile": (
        "pipeline {\n  agent { docker 'localhost:9/pw-no-such-image:1' }\n  stages {\n"
        "    stage('build') { steps { sh 'echo never > ran.txt' } }\n  }\n"
        "  post { always { echo 'post ran' } }\n}\n")})
    r = pw(project, "run", "--jenkinsfile", extra_env=containers_env, timeout=300)
    assert r.code == 1, r
    stage = r.stage("build")
    assert stage["status"] == "FAILURE"
    assert stage["summary"].startswith("agent docker: the image 'localhost:9/pw-no-such-image:1' "
                                       "is not on this machine and could not be pulled"), stage
    assert b"pull localhost:9/pw-no-such-image:1" in r.log("build")
    assert not (Path(r.build()["workspace"]) / "ran.txt").exists()
    assert r.stage("post")["status"] == "SUCCESS"


def test_dockerfile_agent_builds_then_runs_inside(repo, pw, containers_env, base_image):  # noqa: F811
    project = repo({
        "ci/Dockerfile.ci": f"FROM {base_image}\nARG MARK=none\nRUN echo \"built $MARK\" > /built.txt\n",
        "Jenkinsfile": (
            "pipeline {\n  agent {\n    dockerfile {\n      filename 'Dockerfile.ci'\n      dir 'ci'\n"
            "      additionalBuildArgs '--build-arg MARK=jf'\n    }\n  }\n  stages {\n"
            "    stage('Inside') { steps { sh 'cat /built.txt > where.txt' } }\n  }\n}\n")})
    r = pw(project, "run", "--jenkinsfile", extra_env=containers_env, timeout=600)
    assert r.code == 0, r
    ws = Path(r.build()["workspace"])
    assert (ws / "where.txt").read_text() == "built jf\n"


def test_node_step_runs_its_body_here(repo, pw):
    """`node('label') { ... }` inside a stage's steps, as public Jenkinsfiles write it to pick an
    agent: this machine is every agent, so the body runs (it used to stop the build as a step
    with no local meaning); import carries its steps over."""
    project = repo({"Jenkinsfile": (
        "pipeline {\n  agent { node { label 'vps-master' } }\n  stages {\n"
        "    stage('Test') {\n      environment { MODE = 'test' }\n      steps {\n"
        "        node('tests-slave') {\n          sh 'echo \"inside $MODE\" > node.txt'\n        }\n"
        "      }\n    }\n  }\n}\n")})
    r = pw(project, "run", "--jenkinsfile", timeout=120)
    assert r.code == 0, r
    assert (Path(r.build()["workspace"]) / "node.txt").read_text() == "inside test\n"
    assert b"[Pipeline] node ('tests-slave'): runs on this machine" in r.log("Test")
    imp = pw(project, "import", "jenkinsfile", "-o", "-")
    assert imp.code == 0, imp
    assert "echo \"inside $MODE\" > node.txt" in imp.out, imp.out


def test_missing_command_is_named_in_the_reason(repo, pw):
    """A public Jenkinsfile's `sh 'docker-compose build'` on a machine without it: Jenkins says
    only 'script returned exit code 127'; the reason here also names the command."""
    project = repo({"Jenkinsfile": (
        "pipeline {\n  agent any\n  stages {\n"
        "    stage('Build') { steps { sh 'echo start; pw-no-such-tool build app' } }\n  }\n}\n")})
    r = pw(project, "run", "--jenkinsfile", timeout=120)
    assert r.code == 1, r
    assert r.stage("Build")["summary"] == \
        "script returned exit code 127 (pw-no-such-tool: not found)", r.stage("Build")


def test_script_blocks_as_public_jenkinsfiles_write_them(repo, pw):
    """The Groovy most public Jenkinsfiles keep in script { } and environment { }: a value from
    sh(returnStdout) or sh(returnStatus), def variables, `+=`, if / else if / else, env.X set in
    one stage and read in a later one, and a pipeline environment entry that runs a command,
    evaluated once per build (a date-based image tag must be the same in every stage)."""
    project = repo({"Jenkinsfile": r"""pipeline {
    agent any
    environment {
        IMAGE_TAG = sh(script: 'date "+%s%N"', returnStdout: true).trim()
    }
    stages {
        stage('Build') {
            steps {
                sh 'echo "$IMAGE_TAG" > tag.txt; sleep 0.05'
                script {
                    def latestTag = sh(script: 'echo v1.2.3', returnStdout: true).trim()
                    def count = 1
                    count += 2
                    if (fileExists('tag.txt')) {
                        env.BUILT = readFile('tag.txt').trim()
                    } else {
                        error('no tag')
                    }
                    env.LATEST_TAG = latestTag
                    echo "count ${count} latest ${latestTag}"
                }
            }
        }
        stage('Push') {
            steps {
                script {
                    def status = sh(script: 'test "$IMAGE_TAG" = "$BUILT"', returnStatus: true)
                    if (status != 0) {
                        error("tag changed between stages: ${env.IMAGE_TAG} vs ${env.BUILT}")
                    } else if (env.LATEST_TAG.startsWith('v2')) {
                        echo 'major 2'
                    } else {
                        echo "same tag, latest ${env.LATEST_TAG}"
                    }
                }
                sh 'echo "$LATEST_TAG" > latest.txt'
            }
        }
        stage('Gate') {
            steps {
                script {
                    def rc = sh(script: 'exit 3', returnStatus: true)
                    if (rc != 0) {
                        error("gate failed with ${rc}")
                    }
                }
            }
        }
    }
}
"""})
    r = pw(project, "run", "--jenkinsfile", timeout=120)
    assert r.code == 1, r
    assert r.stage("Build")["status"] == "SUCCESS", r.log("Build")
    assert b"count 3 latest v1.2.3" in r.log("Build")
    assert r.stage("Push")["status"] == "SUCCESS", r.log("Push")
    assert b"same tag, latest v1.2.3" in r.log("Push")
    ws = Path(r.build()["workspace"])
    assert (ws / "latest.txt").read_text() == "v1.2.3\n"
    # The tag's command ran once for the build, not once per stage.
    assert r.log("Build").count(b"+ date +%s%N") == 1, r.log("Build")
    assert b"+ date" not in r.log("Push"), r.log("Push")
    gate = r.stage("Gate")
    assert gate["status"] == "FAILURE" and gate["summary"] == "gate failed with 3", gate
    assert b"[Pipeline] sh returned status 3" in r.log("Gate")
    # Import says the command's value in shell.
    imp = pw(project, "import", "jenkinsfile", "-o", "-")
    assert imp.code == 0, imp
    assert 'export IMAGE_TAG="$(date "+%s%N")"' in imp.out, imp.out
    # What script { } still cannot run is named before the build, with its line.
    (project / "Jenkinsfile").write_text(jenkinsfile(
        "    stage('Loop') { steps { script {\n      for (f in ['a', 'b']) { echo f }\n    } } }\n"))
    r = pw(project, "run", "--jenkinsfile", timeout=120)
    assert r.code == 2, r
    assert "Jenkinsfile:5:7: script { } holds Groovy that is not a plain step (`for" in r.err, r.err
