"""bansou command line: `python main.py [serve]`, chat, ask, knowledge, report, users, line, db, doctor, eval."""
from __future__ import annotations

import os
import sys

# One BLAS thread (before numpy loads): search multiplies small matrices, and OpenBLAS threads
# contending with the web and job workers for the CPU made a query's p99 ten times its median.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

INSTALL = "python3 -m venv .venv && .venv/bin/pip install -r requirements.txt"


def missing_library(exc: ModuleNotFoundError) -> str:
    """The line for a library that is not installed: the install step was skipped, or another Python ran."""
    return (f"エラー: 必要なライブラリ {exc.name} が見つかりません。インストールの手順がまだか、別の Python で"
            f"実行しています。bansou のフォルダで「{INSTALL}」を実行し、コマンドは ./bansou で始めてください"
            "（例: ./bansou doctor）")


try:
    from bot.config import ConfigError, load_settings  # noqa: E402
    from bot.encoder import EncoderError  # noqa: E402
    from bot.logs import LOG_FILE, TEST_LOG_FILE, log_failure_to_file, setup_for  # noqa: E402
    from cli.parser import UsageError, build_parser  # noqa: E402
except ModuleNotFoundError as _missing:  # `python3 main.py` with the system's Python: say what to do, in Japanese
    print(missing_library(_missing), file=sys.stderr)
    sys.exit(2)

TEST_COMMANDS = ("ask", "chat", "eval", "practice")  # their questions are tests: logged apart from the operators' lines


def main(argv: list[str] | None = None) -> int:
    """Run one command; a user mistake or a bad setting is one line on stderr and exit code 2."""
    log_file = LOG_FILE
    try:
        args = build_parser().parse_args(argv)
        command = args.command or "serve"
        if command == "doctor":  # it reports bad settings itself, as a red line
            from cli.doctor import run_doctor
            return run_doctor()
        settings = load_settings()
        log_file = TEST_LOG_FILE if command in TEST_COMMANDS else LOG_FILE
        setup_for(settings, stdout=command == "serve", file_name=log_file)
        from cli.commands import COMMANDS
        code = COMMANDS[command](args, settings)
        sys.stdout.flush()  # here, so a reader that has gone (`| head`) is caught below, not at exit
        return code
    except (UsageError, ConfigError, EncoderError) as exc:
        print(f"エラー: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # `ask … | head -3`: the reader has gone, which is not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except ModuleNotFoundError as exc:  # a library a command imports when it runs
        print(missing_library(exc), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("", file=sys.stderr)
        return 130
    except OSError as exc:  # a path that is not there, not writable, a full disk: the operator can fix it
        print(f"エラー: ファイルを読み書きできません（{exc.strerror or exc}: {exc.filename or ''}）", file=sys.stderr)
        return 2
    except Exception as exc:  # edge: the command line; a bug is one line here, the traceback in the log
        log_failure_to_file(f"command {argv or sys.argv[1:]} failed")
        print(f"エラー: 予期しないエラーが発生しました（{type(exc).__name__}: {exc}）。"
              f"詳しい内容はログ（var/log/{log_file}）にあります", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
