"""Chat with the running assistant in the terminal, through the same REST channel the channels use."""

from __future__ import annotations

import argparse
import json
import os
import secrets
import sys
import urllib.error
import urllib.request


def send(url: str, sender: str, text: str) -> list[dict[str, object]]:
    body = json.dumps({"sender": sender, "message": text}).encode()
    request = urllib.request.Request(url, body, {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return list(json.load(response))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    port = os.environ.get("RASA_PORT", "5005")
    parser.add_argument("--url", default=f"http://127.0.0.1:{port}/webhooks/rest/webhook")
    args = parser.parse_args()
    sender = f"console-{secrets.token_hex(4)}"
    print("Write in any of the 12 languages; a number chooses a button; empty line or Ctrl-D ends.")
    buttons: list[dict[str, str]] = []
    while True:
        try:
            text = input("> ").strip()
        except EOFError:
            return 0
        if not text:
            return 0
        if text.isdigit() and 0 < int(text) <= len(buttons):
            text = buttons[int(text) - 1]["payload"]
        try:
            answers = send(args.url, sender, text)
        except urllib.error.URLError as error:
            print(f"The assistant is not reachable at {args.url} ({error.reason}). Is `make run` running?")
            continue
        buttons = []
        for answer in answers:
            print(answer.get("text", ""))
            for button in answer.get("buttons") or []:  # type: ignore[union-attr]
                buttons.append(button)  # type: ignore[arg-type]
                print(f"  [{len(buttons)}] {button['title']}")  # type: ignore[index]


if __name__ == "__main__":
    sys.exit(main())
