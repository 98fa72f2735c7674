#!/usr/bin/python3
"""Writes gRPC-framed request bodies for h2load, and checks answers with a real client.

Usage:
  grpc_frames.py bodies OUT_DIR            write check_ham.bin, check_spam.bin, empty.bin
  grpc_frames.py verify HOST:PORT          one CheckComment and one Health.Check; exit 1
                                           unless both return OK
  grpc_frames.py wait HOST:PORT SECONDS    retry verify until it passes; exit 1 after SECONDS
  grpc_frames.py loop HOST:PORT SECONDS    call CheckComment in a loop; print "ok=N failed=M"
                                           (counts every non-OK grpc-status)
  grpc_frames.py feedback HOST:PORT N [IN_FLIGHT]
                                           send N distinct SubmitFeedback reports, IN_FLIGHT
                                           (default 256) at a time; print reports/s

Uses Debian's /usr/bin/python3 with python3-grpcio and python3-grpc-tools; the proto is
compiled into a temporary directory at start.
"""
import atexit
import os
import shutil
import struct
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
PROTO_ROOT = os.path.join(HERE, "..", "proto")

HAM = ("I agree. One positive thing that has happened so far is that I'm feeling less "
       "stressed. I can focus on my work this weekend. :) Thanks Manuel.")
SPAM = ("Qurani Dua For Love back and All life problem Solution \u2014 We will Solve your All "
        "type of problem: Love, Marriage, Family, Relationship, Ex Love back Etc. Call and "
        "Whatsapp Now +91 9829286600")


_MODULES = None


def load_modules():
    """Compiles the proto once per process into a directory removed at exit."""
    global _MODULES
    if _MODULES is not None:
        return _MODULES
    from grpc_tools import protoc
    out = tempfile.mkdtemp(prefix="spamguard_py_")
    atexit.register(shutil.rmtree, out, ignore_errors=True)
    import grpc_tools
    include = os.path.join(os.path.dirname(grpc_tools.__file__), "_proto")
    args = ["protoc", f"-I{PROTO_ROOT}", f"-I{include}", f"--python_out={out}",
            f"--grpc_python_out={out}", os.path.join(PROTO_ROOT, "spamguard/v1/spamguard.proto")]
    if protoc.main(args) != 0:
        sys.exit("grpc_frames.py: protoc failed")
    sys.path.insert(0, out)
    from spamguard.v1 import spamguard_pb2, spamguard_pb2_grpc
    _MODULES = (spamguard_pb2, spamguard_pb2_grpc)
    return _MODULES


def frame(message_bytes):
    return b"\x00" + struct.pack(">I", len(message_bytes)) + message_bytes


def request(pb2, text):
    req = pb2.CheckCommentRequest(site_id="bench", is_test=True)
    req.comment.content = text
    return req


def write_bodies(out_dir):
    pb2, _ = load_modules()
    os.makedirs(out_dir, exist_ok=True)
    for name, text in (("check_ham.bin", HAM), ("check_spam.bin", SPAM)):
        with open(os.path.join(out_dir, name), "wb") as f:
            f.write(frame(request(pb2, text).SerializeToString()))
    with open(os.path.join(out_dir, "empty.bin"), "wb") as f:
        f.write(frame(b""))


def verify(target):
    import grpc
    pb2, pb2_grpc = load_modules()
    channel = grpc.insecure_channel(target)
    stub = pb2_grpc.CommentFilterStub(channel)
    response = stub.CheckComment(request(pb2, SPAM), timeout=5)
    health = channel.unary_unary("/grpc.health.v1.Health/Check",
                                 request_serializer=lambda x: x,
                                 response_deserializer=lambda x: x)
    health(b"", timeout=5)
    print(f"verify: CheckComment OK (verdict {pb2.Verdict.Name(response.verdict)}), Health OK")


def wait(target, seconds):
    deadline = time.monotonic() + seconds
    while True:
        try:
            verify(target)
            return 0
        except Exception as error:  # connection refused, UNAVAILABLE while loading
            if time.monotonic() > deadline:
                print(f"wait: server at {target} not ready: {error}", file=sys.stderr)
                return 1
            time.sleep(0.2)


def loop(target, seconds):
    import grpc
    pb2, pb2_grpc = load_modules()
    stub = pb2_grpc.CommentFilterStub(grpc.insecure_channel(target))
    req = request(pb2, SPAM)
    ok = failed = 0
    versions = set()
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            response = stub.CheckComment(req, timeout=5)
            versions.add(response.model_version)
            ok += 1
        except grpc.RpcError as error:
            failed += 1
            print(f"loop: {error.code().name}: {error.details()}", file=sys.stderr)
    print(f"ok={ok} failed={failed} model_versions={','.join(sorted(versions))}")
    return 0 if failed == 0 else 1


def feedback(target, total, in_flight):
    import grpc
    import threading
    pb2, pb2_grpc = load_modules()
    stub = pb2_grpc.CommentFilterStub(grpc.insecure_channel(target))
    window = threading.Semaphore(in_flight)
    lock = threading.Lock()
    counts = {"ok": 0, "failed": 0, "duplicate": 0}

    def done(future):
        with lock:
            try:
                counts["duplicate" if future.result().duplicate else "ok"] += 1
            except grpc.RpcError as error:
                counts["failed"] += 1
                print(f"feedback: {error.code().name}: {error.details()}", file=sys.stderr)
        window.release()

    start = time.monotonic()
    for i in range(total):
        window.acquire()
        report = pb2.SubmitFeedbackRequest(site_id="bench", label=pb2.LABEL_SPAM,
                                           reporter="bench")
        report.comment.comment.content = f"feedback load report {i} {start}"
        stub.SubmitFeedback.future(report, timeout=30).add_done_callback(done)
    for _ in range(in_flight):
        window.acquire()
    seconds = time.monotonic() - start
    print(f"feedback: {counts['ok']} stored, {counts['duplicate']} duplicate, "
          f"{counts['failed']} failed in {seconds:.2f} s = {counts['ok'] / seconds:.0f} reports/s "
          f"({in_flight} in flight)")
    return 0 if counts["failed"] == 0 else 1


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "bodies":
        write_bodies(sys.argv[2])
    elif len(sys.argv) == 3 and sys.argv[1] == "verify":
        verify(sys.argv[2])
    elif len(sys.argv) == 4 and sys.argv[1] == "wait":
        sys.exit(wait(sys.argv[2], float(sys.argv[3])))
    elif len(sys.argv) == 4 and sys.argv[1] == "loop":
        sys.exit(loop(sys.argv[2], float(sys.argv[3])))
    elif len(sys.argv) in (4, 5) and sys.argv[1] == "feedback":
        in_flight = int(sys.argv[4]) if len(sys.argv) == 5 else 256
        sys.exit(feedback(sys.argv[2], int(sys.argv[3]), in_flight))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
