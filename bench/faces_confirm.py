"""Confirmations benchmark: a simulated user answers the questions through the REST API, from the truth.

Builds nothing: give it the family dev set folder (see ``bench/faces_families.py``). Runs
``recognize process`` at the defaults, then asks ``GET /api/confirmations?limit=1`` and answers
``POST /api/confirmations/{id}`` as a user who knows everyone would: "Is this <person>?" yes when
the face's identity is the one most of the person's faces have; "Same person?" yes when both
persons' majorities agree. Prints precision, recall and relatives merged (the dev set's scorer)
after 0, 10, 25, 50 and 100 answers, and how many answers it took to reach precision >= 0.99 with
recall >= 0.85 (the group questions' target) and >= 0.90 (checked every 5 answers), or that it was not
reached. A group question ("which of these are <person>?") is answered yes except the faces that are
someone else. ``--kinds face merge`` asks only the earlier kinds, for comparison.

usage: python bench/faces_confirm.py FAMILY_DIR [--max-answers 400] [--workers N] [--kinds face merge group]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from collections import Counter
from pathlib import Path

from faces_families import CELL_SIDE, recognize, score
from fastapi.testclient import TestClient

from recognize.app import App
from recognize.config import load_settings
from recognize.library.accounts import create_token
from recognize.library.libraries import find_user
from recognize.server import create_server

CHECKPOINTS = (0, 10, 25, 50, 100)
TARGETS = ((0.99, 0.85), (0.99, 0.90))  # group questions' target, and the face and merge questions' one


def face_labels(document: dict, truth: dict[str, list[str]]) -> dict[int, str]:
    """Face id -> identity, by the cell of the dev set's photo the face sits in."""
    labels = {}
    for media_file in document["files"]:
        cells = truth.get(Path(media_file["path"]).name)
        for face in media_file.get("faces") or []:
            cell = int((face["bbox"][0] + face["bbox"][2] / 2) // CELL_SIDE)
            if cells and 0 <= cell < len(cells):
                labels[face["id"]] = cells[cell]
    return labels


def majorities(document: dict, labels: dict[int, str]) -> dict[int, str]:
    """Person id -> the identity most of its faces have."""
    votes: dict[int, Counter] = {}
    for media_file in document["files"]:
        for face in media_file.get("faces") or []:
            if face["person"] is not None and face["id"] in labels:
                votes.setdefault(face["person"], Counter())[labels[face["id"]]] += 1
    return {person: counted.most_common(1)[0][0] for person, counted in votes.items()}


def truthful(question: dict, labels: dict[int, str], majority: dict[int, str]) -> dict:
    """The answer of a user who knows everyone (for a group: yes except the faces that are someone else)."""
    if question["kind"] == "group":
        others = [face for face in question["faces"] if labels.get(face) != majority.get(question["person"])]
        if len(others) == len(question["faces"]):
            return {"answer": "no"}
        return {"answer": "yes", "except": others}
    if question["kind"] == "face":
        same = labels.get(question["face"]) == majority.get(question["person"])
    else:
        same = majority.get(question["person"]) == majority.get(question["other"])
    return {"answer": "yes" if same else "no"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("family_dir", type=Path)
    parser.add_argument("--max-answers", type=int, default=400)
    parser.add_argument("--workers", type=int, default=max(1, os.cpu_count() or 2))
    parser.add_argument("--kinds", nargs="*", default=["face", "merge", "group"], help="question kinds to answer")
    args = parser.parse_args()
    library, truth_file = args.family_dir / "library", args.family_dir / "truth.json"
    if not (library.is_dir() and truth_file.is_file()):
        sys.exit(f"skipped: {args.family_dir} holds no built family dev set (see bench/faces_families.py)")
    truth = json.loads(truth_file.read_text())
    with tempfile.TemporaryDirectory(prefix="recognize-confirm-") as folder:
        home = Path(folder)
        recognize(home, "faceres", "process", str(library), "--workers", str(args.workers))
        app = App(load_settings(home=home))
        with app.database.session() as session:
            token = create_token(session, find_user(session, "bench"), "bench")
        client = TestClient(create_server(app), headers={"Authorization": f"Bearer {token}"})
        document = client.get("/api/export").json()
        labels = face_labels(document, truth)
        faces = len(labels)
        reached: dict[tuple[float, float], int] = {}
        answers, yes, right_asked = 0, 0, 0
        print(f"{faces} faces found; answers as a user who knows everyone, through the REST API")
        print(f"{'answers':>7} {'yes':>4} {'precision':>9} {'recall':>6} {'relatives merged':>16}")
        while True:
            if answers in CHECKPOINTS or (len(reached) < len(TARGETS) and answers % 5 == 0):
                precision, recall, merged, _ = score(document, args.family_dir)
                if answers in CHECKPOINTS:
                    print(f"{answers:7} {yes:4} {precision:9.3f} {recall:6.3f} {merged * 100:15.2f}%")
                for target in TARGETS:
                    if target not in reached and precision >= target[0] and recall >= target[1]:
                        reached[target] = answers
            if answers >= args.max_answers or (len(reached) == len(TARGETS) and answers >= max(CHECKPOINTS)):
                break
            items = client.get("/api/confirmations", params={"limit": 1, "kind": args.kinds}).json()["items"]
            if not items:
                print(f"no questions left after {answers} answers")
                break
            reply = truthful(items[0], labels, majorities(document, labels))
            posted = client.post(f"/api/confirmations/{items[0]['id']}", json=reply)
            if posted.status_code >= 400:
                sys.exit(f"{items[0]} {reply}: {posted.status_code} {posted.text}")
            answers += 1
            yes += reply["answer"] == "yes"
            right_asked += items[0]["kind"] == "face" and items[0].get("inside") and reply["answer"] == "yes"
            document = client.get("/api/export").json()
        precision, recall, merged, _ = score(document, args.family_dir)
        print(f"{answers:7} {yes:4} {precision:9.3f} {recall:6.3f} {merged * 100:15.2f}%  (last)")
        print(f"{right_asked} of the {answers} questions asked whether a face already in a person was that person,")
        print("  and it was (a question about a face that was already right)")
        for target in TARGETS:
            goal = f"precision >= {target[0]} with recall >= {target[1]}"
            if target not in reached:
                print(f"{goal}: not reached in {answers} answers ({answers / faces:.2f} per face)")
            else:
                print(f"{goal}: reached after {reached[target]} answers ({reached[target] / faces:.3f} per face)")
        app.close()


if __name__ == "__main__":
    main()
