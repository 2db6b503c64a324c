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

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("HOANHAP_")}
    environment["HOANHAP_DATA_DIR"] = str(tmp_path / "var")
    environment["PYTHONUNBUFFERED"] = "1"
    return environment


def hoanhap(env: dict[str, str], *args: str, stdin: str = "", check: bool = True) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
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
    out = hoanhap(env, "chat", stdin="em muon vay von\n/quit\n").stdout
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
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "chat"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        cwd=REPO,
        text=True,
    )
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
    assert "Có phải Xã Cát Tường, Tỉnh Minh Họa không?" in out  # typed under its old name
    assert "Số điện thoại" in out
