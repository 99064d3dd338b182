"The package's house rules, read from its source: no import circle between modules, no hand-written module over 400 lines, commands that start without torchvision; and the test files run slowest first."
import ast, subprocess, sys
from pathlib import Path

PKG = Path(__file__).resolve().parents[1]/'genreuse'
MODULES = {p.stem: p for p in PKG.glob('*.py') if p.stem not in ('__init__', '_modidx')}


def imported_modules(path:Path)->set:
    "The genreuse modules that `path` imports anywhere (module level or inside functions)"
    out = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level == 1 and node.module: out.add(node.module.split('.')[0])
            elif node.level == 1: out.update(a.name for a in node.names)
            elif node.module and node.module.startswith('genreuse.'): out.add(node.module.split('.')[1])
            elif node.module == 'genreuse': out.update(a.name for a in node.names)
        elif isinstance(node, ast.Import):
            out.update(a.name.split('.')[1] for a in node.names if a.name.startswith('genreuse.'))
    return out & set(MODULES)


def find_cycle(graph:dict):
    "A list of modules forming an import circle in `graph`, or None"
    state, stack = {}, []
    def visit(m):
        state[m] = 'open'; stack.append(m)
        for n in sorted(graph[m]):
            if state.get(n) == 'open': return stack[stack.index(n):] + [n]
            if n not in state and (c := visit(n)): return c
        state[m] = 'done'; stack.pop()
    for m in sorted(graph):
        if m not in state and (c := visit(m)): return c


def test_find_cycle_sees_a_circle():
    assert find_cycle({'a': {'b'}, 'b': {'c'}, 'c': {'a'}}) == ['a', 'b', 'c', 'a']
    assert find_cycle({'a': {'b'}, 'b': set()}) is None


def test_no_import_circle():
    graph = {m: imported_modules(p) - {m} for m, p in MODULES.items()}
    assert graph['cli'] >= {'loop', 'pools', 'sweep'}, 'the graph should see the command-line module import the layers below'
    assert find_cycle(graph) is None, f"import circle: {' -> '.join(find_cycle(graph))}"


def test_no_module_over_400_lines():
    long = {m: n for m, p in MODULES.items() if (n := len(p.read_text().splitlines())) > 400}
    assert not long, f"modules over 400 lines (split them by idea): {long}"


def test_commands_start_without_torchvision():
    "torchvision's import brings torch._dynamo and takes seconds; only CIFAR-10 and torchvision backbones need it, imported where they load"
    code = "import sys, genreuse.cli; print(sorted(m for m in sys.modules if m.split('.')[0] == 'torchvision'))"
    r = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, cwd=PKG.parent)
    assert r.returncode == 0 and r.stdout.strip() == '[]', r.stdout[-2000:] + r.stderr[-2000:]


NBS = PKG.parent/'nbs'


def sidebar_sections()->dict:
    "The notebooks of each section of the docs sidebar (nbs/_quarto.yml), in their order"
    import yaml
    side = yaml.safe_load((NBS/'_quarto.yml').read_text())['website']['sidebar']['contents']
    return {s['section']: s['contents'] for s in side if isinstance(s, dict)}


def test_notebook_numbers_are_reading_order_and_layers():
    "The sidebar lists the numbered notebooks in file-name order, and no module imports one of a higher number"
    lib = sorted(p.name for p in NBS.glob('[0-9][0-9]_*.ipynb') if '#| default_exp' in p.read_text())
    rep = sorted(p.name for p in NBS.glob('[0-9][0-9]_*.ipynb') if '#| default_exp' not in p.read_text())
    sec = sidebar_sections()
    assert sec['Library'] == lib and sec['Replication'] == rep, sec
    number = {}
    for p in NBS.glob('[0-9][0-9]_*.ipynb'):
        for line in p.read_text().splitlines():
            if '#| default_exp ' in line: number[line.split('default_exp ')[1].split('\\')[0].split('"')[0].strip()] = int(p.name[:2])
    for m, path in MODULES.items():
        later = {d for d in imported_modules(path) if number.get(d, -1) > number[m]}
        assert not later, f"{m} (notebook {number[m]:02d}) imports {later}, of higher numbers"


def test_test_files_run_slowest_first():
    "bench/test_durations.py sums a JUnit report per file, slowest first; conftest.py orders the files by that table"
    import importlib.util, conftest
    spec = importlib.util.spec_from_file_location('test_durations', PKG.parent/'bench'/'test_durations.py')
    durations = importlib.util.module_from_spec(spec); spec.loader.exec_module(durations)
    report = ('<testsuites><testsuite>'
              '<testcase classname="tests.test_a" name="x" time="2.0"/><testcase classname="tests.test_b" name="y" time="5.0"/>'
              '<testcase classname="tests.test_a" name="z[1]" time="4.5"/></testsuite></testsuites>')
    t = durations.file_seconds(report)
    assert t.file.tolist() == ['tests/test_a.py', 'tests/test_b.py'] and t.seconds.tolist() == [6.5, 5.0]
    item = lambda f: type('Item', (), {'path': PKG.parent/f})()
    measured = [r.split(',')[0] for r in conftest.DURATIONS.read_text().splitlines()[1:]]
    items = [item(f) for f in [*reversed(measured), 'tests/test_not_measured_yet.py']]
    conftest.pytest_collection_modifyitems(items)
    assert [Path(i.path).relative_to(PKG.parent).as_posix() for i in items] == ['tests/test_not_measured_yet.py', *measured]
