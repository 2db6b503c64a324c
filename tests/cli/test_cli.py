"""The `hoanhap` command as an operator runs it: real processes, a real SQLite file."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parent.parent.parent


def clean_env(data_dir: Path) -> dict[str, str]:
    """This process's environment without any HOANHAP_ setting, the data kept in `data_dir`."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("HOANHAP_")}
    environment["HOANHAP_DATA_DIR"] = str(data_dir)
    environment["PYTHONUNBUFFERED"] = "1"
    return environment


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return clean_env(tmp_path / "var")


def hoanhap(env: dict[str, str], *args: str, stdin: str = "", check: bool = True) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli.main", *args],
        input=stdin,
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    if check and result.returncode != 0:
        raise AssertionError(f"hoanhap {' '.join(args)} exited {result.returncode}: {result.stderr}")
    return result


def test_piped_chat_greets_and_answers_a_loan_question(env: dict[str, str]) -> None:
    out = hoanhap(env, "chat", stdin="em moi ra tu muon vay von thi can dieu kien gi\n/quit\n").stdout
    assert "Xin chào" in out
    assert "Ngân hàng Chính sách xã hội" in out  # the loan answer names where to go


def test_piped_chat_gives_an_honest_fallback(env: dict[str, str]) -> None:
    out = hoanhap(env, "chat", stdin="cach lam banh chung ngon\n").stdout
    assert "chưa có câu trả lời chắc chắn" in out


def test_piped_chat_survives_bad_input(env: dict[str, str]) -> None:
    lines = ["", "x" * 10_000, "😀🙏", "\x00\x01\x1b[2J", "Привет мир 你好", "vay von", "/khonglenh", "/help"]
    result = hoanhap(env, "chat", stdin="\n".join(lines) + "\n")
    assert result.returncode == 0
    assert result.stdout.count("🤖") >= len(lines)
    assert "Traceback" not in result.stderr


def test_kb_match_contract(env: dict[str, str]) -> None:
    questions = ["xin phieu ly lich tu phap", "giá xăng hôm nay", "vay"]
    stdin = "\n".join(json.dumps({"q": q}, ensure_ascii=False) for q in questions) + "\n"
    lines = [json.loads(line) for line in hoanhap(env, "kb", "match", stdin=stdin).stdout.splitlines()]
    assert [line["q"] for line in lines] == questions
    for line in lines:
        assert set(line) == {"q", "decision", "slug", "score", "suggestions"}
        assert line["decision"] in ("answer", "suggest", "fallback")
        assert isinstance(line["score"], float) and isinstance(line["suggestions"], list)
    assert (lines[0]["decision"], lines[0]["slug"]) == ("answer", "ly-lich-tu-phap")
    assert lines[1]["decision"] == "fallback"


def test_kb_match_rejects_malformed_lines(env: dict[str, str]) -> None:
    result = hoanhap(env, "kb", "match", stdin="not json\n", check=False)
    assert result.returncode == 2 and "line 1" in result.stderr


def test_kb_eval_prints_rates_and_fails_below_the_bar(env: dict[str, str], tmp_path: Path) -> None:
    questions = tmp_path / "q.jsonl"
    questions.write_text(
        '{"q": "xin phieu ly lich tu phap", "expect": ["ly-lich-tu-phap"]}\n{"q": "giá xăng hôm nay", "expect": []}\n',
        encoding="utf-8",
    )
    out = hoanhap(env, "kb", "eval", str(questions)).stdout
    assert "answered correctly" in out and "out-of-scope rejected" in out
    failing = hoanhap(env, "kb", "eval", str(questions), "--min-correct", "1.01", check=False)
    assert failing.returncode == 1


def test_kb_export_import_round_trip(env: dict[str, str], tmp_path: Path) -> None:
    first = tmp_path / "kb.yaml"
    hoanhap(env, "kb", "export", "--out", str(first))
    data = yaml.safe_load(first.read_text(encoding="utf-8"))
    data["loan"]["entries"][0]["answer"] = 'Câu trả lời mới.\nDòng hai: <b>không phải HTML</b> & "ngoặc"'
    edited = tmp_path / "edited.yaml"
    edited.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    assert "1 changed" in hoanhap(env, "kb", "import", str(edited)).stdout
    second = tmp_path / "kb2.yaml"
    hoanhap(env, "kb", "export", "--out", str(second))
    assert yaml.safe_load(second.read_text(encoding="utf-8")) == data
    # importing the same file again changes nothing
    assert "0 changed" in hoanhap(env, "kb", "import", str(second)).stdout
    # ...and exports the same bytes: review dates stay unquoted ISO dates, as in the shipped files
    third = tmp_path / "kb3.yaml"
    hoanhap(env, "kb", "export", "--out", str(third))
    assert third.read_bytes() == second.read_bytes()
    assert "\n    review_by: 20" in third.read_text(encoding="utf-8")


def test_kb_import_refuses_bad_files(env: dict[str, str], tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("entries:\n  - slug: ''\n    title: ''\n", encoding="utf-8")
    result = hoanhap(env, "kb", "import", str(bad), check=False)
    assert result.returncode == 2 and "bad slug" in result.stderr


def test_operator_commands_on_the_demo(env: dict[str, str]) -> None:
    out = hoanhap(env, "init", "--demo").stdout
    assert "7 agencies, 12 localities, 10 routing rules" in out
    agencies = json.loads(hoanhap(env, "agencies", "list", "--json").stdout)
    assert {"code", "name", "kind"} <= set(agencies[0])
    localities = json.loads(hoanhap(env, "localities", "list", "--json").stdout)
    assert {"code", "name", "province", "aliases"} <= set(localities[0])
    link = hoanhap(env, "agencies", "link-code", "demo-vieclam").stdout.strip().splitlines()
    assert len(link[-1]) == 10 and link[-1].isalnum()  # the code alone on the last line
    assert hoanhap(env, "agencies", "link-code", "khong-co", check=False).returncode == 1
    tokens = hoanhap(env, "zalo", "oa-token", stdin="access-1\nrefresh-1\n")
    assert "stored" in tokens.stdout and "access-1" not in tokens.stdout + tokens.stderr
    route = hoanhap(env, "route", "papers", "mh-binh-minh").stdout
    assert "demo-congan-binhminh" in route and "rule #" in route
    assert "demo-congan-binhminh" in hoanhap(env, "route", "papers", "phuong binh minh thuong").stdout  # old name

    form = "\n".join(
        [
            "3",
            "2",
            "Tôi muốn đi học nghề hàn",
            "1",
            "0912345678",
            "Bỏ qua",
            "1",
            "1",
            "1",
            "/quit",
        ]
    )
    chat = hoanhap(env, "chat", stdin=form + "\n").stdout
    code = chat.split("Mã của bạn: ")[1].split()[0]
    listed = json.loads(hoanhap(env, "requests", "list", "--json").stdout)
    assert [r["code"] for r in listed] == [code]
    shown = json.loads(hoanhap(env, "requests", "show", code, "--json").stdout)
    assert {"code", "category", "status", "agency", "locality", "created_at", "events"} <= set(shown)
    assert shown["category"] == "training" and shown["agency"] == "demo-vieclam"
    assert [e["type"] for e in shown["events"]] == ["created", "routed"] and all(e["time"] for e in shown["events"])
    by_agency = json.loads(hoanhap(env, "requests", "list", "--agency", "demo-nhcsxh", "--json").stdout)
    assert by_agency == []

    hoanhap(env, "requests", "reply", code, "Mời anh đến Trung tâm sáng thứ Hai.")
    hoanhap(env, "requests", "status", code, "resolved")
    later = hoanhap(env, "chat", stdin="/quit\n").stdout
    assert "Mời anh đến Trung tâm sáng thứ Hai." in later  # delivered when the person is back
    assert "Đã giải quyết" in later


def test_killed_mid_form_resumes_after_restart(env: dict[str, str]) -> None:
    hoanhap(env, "init", "--demo")
    with subprocess.Popen(  # the with closes its pipes
        [sys.executable, "-m", "bot.cli.main", "chat"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        cwd=REPO,
        text=True,
    ) as process:
        assert process.stdin and process.stdout
        for line in ("3", "1", "Tôi cần tìm việc làm bốc vác"):
            process.stdin.write(line + "\n")
            process.stdin.flush()
        deadline = time.monotonic() + 60
        seen = ""
        while "xã/phường nào" not in seen and time.monotonic() < deadline:
            seen += process.stdout.readline()
        assert "xã/phường nào" in seen
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)

    result = hoanhap(env, "chat", stdin="1\nxa cat loi\n1\n")
    out = result.stdout
    assert out, result.stderr
    assert "Bạn đang gửi dở một yêu cầu. Tiếp tục?" in out
    assert "Xã Cát Lợi cũ nay là Xã Cát Tường, Tỉnh Minh Họa, đúng không?" in out  # typed under its old name
    assert "Số điện thoại" in out


def test_users_commands_contract(env: dict[str, str]) -> None:
    """`hoanhap users …` as documented: password from standard input, errors on stderr with exit 1."""
    hoanhap(env, "init", "--demo")
    created = hoanhap(
        env,
        "users",
        "add",
        "--username",
        "Lan.Staff",
        "--role",
        "staff",
        "--agency",
        "demo-vieclam",
        "--lead",
        "--password-stdin",
        stdin="a long enough password\n",
    )
    assert "lan.staff" in created.stdout
    listed = json.loads(hoanhap(env, "users", "list", "--json").stdout)
    mine = next(u for u in listed if u["username"] == "lan.staff")
    assert mine["role"] == "staff" and mine["agency_code"] == "demo-vieclam" and mine["is_lead"] is True
    assert "password" not in json.dumps(listed) and "$argon2" not in json.dumps(listed)
    for args, stdin, problem in (
        (("--username", "lan.staff", "--role", "staff", "--agency", "demo-vieclam"), "another long one\n", "taken"),
        (("--username", "x2", "--role", "staff"), "a long enough password\n", "agency"),
        (("--username", "x3", "--role", "staff", "--agency", "nope"), "a long enough password\n", "no agency"),
        (("--username", "x4", "--role", "admin"), "short\n", "at least"),
    ):
        refused = hoanhap(env, "users", "add", *args, "--password-stdin", stdin=stdin, check=False)
        assert refused.returncode == 1 and problem in refused.stderr, refused.stderr
    bad_role = hoanhap(env, "users", "add", "--username", "x5", "--role", "root", "--password-stdin", check=False)
    assert bad_role.returncode == 2
    assert "disabled" in hoanhap(env, "users", "disable", "lan.staff").stdout
    assert "DISABLED" in hoanhap(env, "users", "list").stdout
    assert "enabled" in hoanhap(env, "users", "enable", "lan.staff").stdout
    changed = hoanhap(env, "users", "passwd", "lan.staff", "--password-stdin", stdin="a brand new password\n")
    assert "sessions have ended" in changed.stdout
    assert hoanhap(env, "users", "disable", "ghost", check=False).returncode == 1


def test_init_demo_draws_the_demo_passwords_once(env: dict[str, str], tmp_path: Path) -> None:
    first = hoanhap(env, "init", "--demo").stdout
    assert "demo accounts created" in first
    credentials = tmp_path / "var" / "demo-credentials.txt"
    assert oct(credentials.stat().st_mode & 0o777) == "0o600"
    before = credentials.read_text()
    second = hoanhap(env, "init", "--demo").stdout
    assert "demo accounts created" not in second and credentials.read_text() == before
    usernames = [line.split("\t")[0] for line in before.splitlines()]
    assert usernames == ["admin", "vieclam", "vieclam2", "congan", "trogiup"]
    passwords = [line.split("\t")[1] for line in before.splitlines()]
    assert len(set(passwords)) == len(passwords) and all(len(p) >= 16 for p in passwords)


def test_serve_prints_where_to_go_and_the_demo_logins_work(env: dict[str, str]) -> None:
    """What `make run` does: init --demo, then serve; the printed password opens the workspace."""
    import re
    import socket
    import urllib.parse
    import urllib.request
    from http.cookiejar import CookieJar

    hoanhap(env, "init", "--demo")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with subprocess.Popen(  # the with closes its pipe
        [sys.executable, "-m", "bot.cli.main", "serve"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env={**env, "HOANHAP_PORT": str(port)},
        cwd=REPO,
        text=True,
    ) as process:
        try:
            assert process.stdout
            printed = ""
            deadline = time.monotonic() + 60
            while "serving on" not in printed and time.monotonic() < deadline:
                printed += process.stdout.readline()
            base = f"http://127.0.0.1:{port}"
            for where in (f"{base}/\n", f"{base}/staff", f"{base}/admin", f"{base}/api/v1/openapi.json"):
                assert where in printed, printed
            found = re.search(r"^\s+vieclam\s+(\S+)$", printed, re.MULTILINE)
            assert found, printed
            opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
            page = opener.open(f"{base}/login", timeout=30).read().decode()
            token = re.search(r'name="csrf-token" content="([0-9a-f]+)"', page)
            assert token
            form = urllib.parse.urlencode(
                {"username": "vieclam", "password": found.group(1), "csrf_token": token.group(1)}
            ).encode()
            queue = opener.open(f"{base}/login", data=form, timeout=30)
            assert queue.geturl().endswith("/staff") and "Hàng chờ" in queue.read().decode()
        finally:
            process.send_signal(signal.SIGINT)
            process.wait(timeout=30)
