"""Run a Python script or console script in the test's own process, as `__main__` (runpy): no new interpreter to start,
which saves seconds per call where a test runs a script many times."""
import io, runpy, sys
from contextlib import chdir, redirect_stderr, redirect_stdout
from pathlib import Path
from types import SimpleNamespace
from unittest.mock import patch

ROOT = Path(__file__).resolve().parents[1]


def run_script(script, *args, cwd=ROOT):
    """Run `script` with `args` in this process (in `cwd`, the project root by default); its exit code, standard output
    and error, as a finished command's (a `SystemExit` message goes to stderr with status 1, as the interpreter does)"""
    argv = [str(script), *map(str, args)]
    out, err, code = io.StringIO(), io.StringIO(), 0
    with patch.object(sys, 'argv', argv), chdir(cwd), redirect_stdout(out), redirect_stderr(err):
        try: runpy.run_path(argv[0], run_name='__main__')
        except SystemExit as e:
            if isinstance(e.code, str): print(e.code, file=sys.stderr)
            code = 1 if isinstance(e.code, str) else e.code or 0
    return SimpleNamespace(returncode=code, stdout=out.getvalue(), stderr=err.getvalue())
