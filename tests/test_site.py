"""The docs site, built with `nbdev-docs` and checked in a real headless browser.

`quarto` comes from PATH, else from `.quarto/` (installed there by ../shared/tools/quarto/install.sh when missing); the
browser is Debian's `chromium` (installed with apt-get when missing), driven by playwright. `nbdev-docs` and
`nbdev-readme` run under a time limit; every page of `_docs/` is then served over HTTP on 127.0.0.1 (requests to other
hosts, e.g. MathJax's CDN and web fonts, are refused, as they would be offline) and checked. Screenshots of three
pages, and the measured times, land in `_site_shots/`. Nothing is skipped: a missing tool is a failure."""
import json, os, re, shutil, signal, subprocess, sys, threading, time
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urldefrag, urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[1]
NBS, DOCS, SHOTS = ROOT/'nbs', ROOT/'_docs', ROOT/'_site_shots'
BIN = Path(sys.executable).parent
QUARTO_INSTALL = ROOT.parent/'shared'/'tools'/'quarto'/'install.sh'
DOCS_LIMIT = int(os.environ.get('GENREUSE_DOCS_TIMEOUT', 480))    # nbdev-docs took 163 s beside the other pytest worker
# in the CI run of 2026-12-07 (`_site_shots/timings.json`); the limit only has to end a render that never ends
README_LIMIT = int(os.environ.get('GENREUSE_README_TIMEOUT', 120))  # nbdev-readme takes 2-5 s here
BROWSERS = ('chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable')
REPLICATION = sorted(NBS.glob('3[0-4]_*.ipynb'))   # learning curves, penalty matrices, tables, two moons, findings
TESTBED_PAGES = sorted(NBS.glob('*/3[0-6]_*.ipynb'))   # a testbed's executed copies of the replication notebooks (scripts/replicate.sh)
SHOT_PAGES = {'index.html': 'index', 'reusability.html': 'library-reusability',
              'penalty_matrices.html': 'replication-penalty_matrices'}
API = {'strategies.html': 'margin_sampling', 'reusability.html': 'general_reusability', 'penalty.html': 'penalty_matrix'}
TIMES = {}


def run_limited(cmd, limit, env):
    "Run `cmd` in the project root; kill its whole process group after `limit` s. Returns (returncode, output)"
    t0 = time.monotonic()
    p = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                         start_new_session=True)
    try: out, _ = p.communicate(timeout=limit)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        out, _ = p.communicate()
        pytest.fail(f'{" ".join(map(str, cmd))} did not finish within {limit} s (a pre-render in nbs/_quarto.yml that '
                    f'calls nbdev-readme recurses forever); last output:\n{out[-3000:]}')
    TIMES[Path(cmd[0]).name] = round(time.monotonic() - t0, 1)
    return p.returncode, out


def nb_cells(path): return json.loads(Path(path).read_text())['cells']
def src(cell): return ''.join(cell['source'])


def summary_lines():
    "The `> ` lines of index.ipynb's title cell, without the `> `"
    return [l[1:].strip() for l in src(nb_cells(NBS/'index.ipynb')[0]).splitlines() if l.startswith('>')]


def page_name(nb):
    "The html page of notebook `nb`, relative to the site (a testbed's pages keep their subfolder)"
    from nbdev.config import nbpath2html
    return nbpath2html(nb.relative_to(NBS)).as_posix()


def expected_pages():
    "{html page: notebook} for every notebook nbdev renders, in subfolders too; it skips names starting with `_` or `.`"
    return {page_name(p): p for p in sorted(NBS.rglob('*.ipynb'))
            if not any(part.startswith(('_', '.')) for part in p.relative_to(NBS).parts)}


@pytest.fixture(scope='module')
def env():
    "Environment with the venv and quarto on PATH, installing quarto from ../shared/tools/quarto when missing"
    env = {**os.environ, 'PATH': f'{BIN}{os.pathsep}{os.environ["PATH"]}'}
    if not shutil.which('quarto', path=env['PATH']):
        local = ROOT/'.quarto'
        if not (local/'bin'/'quarto').exists():
            if not QUARTO_INSTALL.exists():
                pytest.fail(f'quarto is not on PATH and {QUARTO_INSTALL} does not exist: install Quarto '
                            '(https://quarto.org/docs/get-started/) or provide ../shared/tools/quarto')
            r = subprocess.run(['bash', str(QUARTO_INSTALL), str(local)], cwd=ROOT, capture_output=True, text=True,
                               timeout=900)
            if r.returncode: pytest.fail(f'{QUARTO_INSTALL} {local} failed (exit {r.returncode}):\n{r.stdout}\n{r.stderr}')
        env['PATH'] = f'{local/"bin"}{os.pathsep}{env["PATH"]}'
    r = subprocess.run(['quarto', '--version'], env=env, capture_output=True, text=True)
    assert r.returncode == 0, f'quarto --version failed:\n{r.stdout}\n{r.stderr}'
    return env


@pytest.fixture(scope='module')
def site(env):
    "Build the site with `nbdev-docs` into _docs/"
    shutil.rmtree(DOCS, ignore_errors=True)
    rc, out = run_limited([BIN/'nbdev-docs'], DOCS_LIMIT, env)
    assert rc == 0, f'nbdev-docs failed (exit {rc}):\n{out[-5000:]}'
    assert (DOCS/'index.html').exists(), f'nbdev-docs succeeded but wrote no {DOCS}/index.html:\n{out[-3000:]}'
    return DOCS


def find_browser():
    "Path of a Chromium-family browser, installing Debian's `chromium` with apt-get when there is none"
    for b in BROWSERS:
        if shutil.which(b): return shutil.which(b)
    if os.geteuid() != 0 or not shutil.which('apt-get'):
        pytest.fail(f'no browser ({", ".join(BROWSERS)}) on PATH, and installing one needs root and apt-get: '
                    'run `apt-get install -y chromium` (Debian) first')
    aenv = {**os.environ, 'DEBIAN_FRONTEND': 'noninteractive'}
    inst = lambda: subprocess.run(['apt-get', 'install', '-y', '-q', 'chromium'], env=aenv, capture_output=True, text=True,
                                  timeout=900)
    r = inst()
    if r.returncode:  # stale package lists: update once and retry
        subprocess.run(['apt-get', 'update', '-q'], env=aenv, capture_output=True, text=True, timeout=600)
        r = inst()
    if r.returncode or not shutil.which('chromium'):
        pytest.fail(f'apt-get install -y chromium failed (exit {r.returncode}):\n{r.stdout[-2000:]}\n{r.stderr[-2000:]}')
    return shutil.which('chromium')


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args): pass


@pytest.fixture(scope='module')
def server(site):
    "Serve _docs/ on 127.0.0.1; yields its base URL"
    httpd = ThreadingHTTPServer(('127.0.0.1', 0), partial(_Quiet, directory=str(site)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f'http://127.0.0.1:{httpd.server_port}/'
    httpd.shutdown()


PAGE_JS = r"""() => {
  const skip = 'pre, code, .math, script, style, .sourceCode, mjx-container';
  const main = document.querySelector('main#quarto-document-content');
  const texts = [];
  if (main) {
    const w = document.createTreeWalker(main, NodeFilter.SHOW_TEXT);
    for (let n = w.nextNode(); n; n = w.nextNode()) if (!n.parentElement.closest(skip)) texts.push(n.textContent);
  }
  const shown = el => { const r = el.getBoundingClientRect(), s = getComputedStyle(el);
    return r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && s.display !== 'none'; };
  const colours = img => { try {
      const c = document.createElement('canvas'); c.width = 64; c.height = 64;
      const x = c.getContext('2d'); x.drawImage(img, 0, 0, 64, 64);
      const d = x.getImageData(0, 0, 64, 64).data, seen = new Set();
      for (let i = 0; i < d.length; i += 4) seen.add(d[i] << 16 | d[i + 1] << 8 | d[i + 2]);
      return seen.size; } catch (e) { return -1; } };
  return {
    h1: (document.querySelector('h1.title') || {}).textContent || '',
    main_height: main ? main.getBoundingClientRect().height : 0,
    subtitle: (document.querySelector('#title-block-header .description') || {}).textContent || '',
    meta: Object.fromEntries([...document.querySelectorAll('meta[name=description], meta[property="og:description"],'
                                + 'meta[name="twitter:description"]')].map(m => [m.getAttribute('name') || m.getAttribute('property'), m.content])),
    sidebar: [...document.querySelectorAll('#quarto-sidebar a.sidebar-link[href]')].map(a => a.href),
    sidebar_shown: !!document.querySelector('#quarto-sidebar') && shown(document.querySelector('#quarto-sidebar')),
    links: [...document.querySelectorAll('a[href]')].map(a => a.href),
    ids: [...document.querySelectorAll('[id]')].map(e => e.id),
    text: texts.join(''),
    code: [...document.querySelectorAll('.cell-code pre, .cell pre.sourceCode')].map(p => p.textContent),
    stderr: [...document.querySelectorAll('.cell-output-stderr')].map(e => e.textContent.slice(0, 300)),
    outputs: [...document.querySelectorAll('.cell-output')].map(e => e.textContent),
    images: [...document.querySelectorAll('img')].map(i => ({src: i.currentSrc || i.src, complete: i.complete,
      nw: i.naturalWidth, nh: i.naturalHeight, w: i.getBoundingClientRect().width, h: i.getBoundingClientRect().height,
      shown: shown(i), output: !!i.closest('.cell-output-display'),
      colours: i.complete && i.naturalWidth ? colours(i) : 0})),
    signatures: [...document.querySelectorAll('main section')].map(s => [
      (s.querySelector(':scope > h2, :scope > h3, :scope > h4') || {}).textContent || '',
      (s.querySelector(':scope > div.sourceCode pre') || {}).textContent || '']),
    bootstrap: typeof window.bootstrap !== 'undefined',
  };
}"""


@pytest.fixture(scope='module')
def crawl(server):
    "Load every expected page once in headless Chromium; {page: facts} plus local-resource problems per page"
    exe = find_browser()
    try: from playwright.sync_api import sync_playwright
    except ImportError: pytest.fail('playwright is missing: pip install -e ".[dev]" (it drives the system chromium)')
    origin = server.rstrip('/')
    local = lambda url: url.startswith(origin + '/')
    t0, pages = time.monotonic(), {}
    SHOTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=exe, args=['--no-sandbox', '--disable-gpu'])
        ctx = browser.new_context(viewport={'width': 1400, 'height': 1000})
        # offline, as on a machine without internet: other hosts are refused at once (no DNS waits)
        refused = []
        def refuse(route): refused.append(route.request.url); route.abort()
        ctx.route(lambda url: not local(url), refuse)
        page = ctx.new_page()
        probs = []
        def on_console(m):
            if m.type != 'error': return
            where = m.location.get('url') or ''
            urls = re.findall(r'https?://[^\s\'"]+', m.text)
            if (where and not local(where)) or (urls and not any(map(local, urls))): return  # a refused remote resource
            probs.append(f'console error: {m.text} (at {where})')
        page.on('console', on_console)
        def on_pageerror(e):
            # Quarto loads require.js from cdnjs on pages with HTML outputs and then calls define() inline
            if str(e) == 'define is not defined' and any('/require.min.js' in u for u in refused): return
            probs.append(f'uncaught JS error: {e}')
        page.on('pageerror', on_pageerror)
        page.on('requestfailed', lambda r: local(r.url) and probs.append(f'request failed: {r.url} ({r.failure})'))
        page.on('response', lambda r: local(r.url) and r.status >= 400 and probs.append(f'HTTP {r.status}: {r.url}'))
        for name in expected_pages():
            probs, refused[:] = [], []
            resp = page.goto(server + name, wait_until='load')
            page.wait_for_timeout(150)  # let DOMContentLoaded/late console errors land
            facts = page.evaluate(PAGE_JS)
            facts.update(status=resp.status if resp else None, problems=probs)
            pages[name] = facts
            if name in SHOT_PAGES: page.screenshot(path=str(SHOTS/f'{SHOT_PAGES[name]}.png'), full_page=True)
        browser.close()
    TIMES['browser checks'] = round(time.monotonic() - t0, 1)
    (SHOTS/'timings.json').write_text(json.dumps(TIMES, indent=1))
    print(f'\nsite timings (s): {TIMES}')
    return pages


def test_quarto_yml_has_no_recursive_render():
    "A pre-/post-render that runs nbdev-readme/nbdev-docs re-enters Quarto, which runs it again: nbdev-docs never ends"
    import yaml
    proj = yaml.safe_load((NBS/'_quarto.yml').read_text())['project']
    hooks = [str(c) for k in ('pre-render', 'post-render') for c in (proj.get(k) or [])]
    assert not [h for h in hooks if re.search(r'nbdev[-_](readme|docs|preview|proc)', h)], hooks


def test_readme_is_generated_from_index(env):
    "`nbdev-readme` finishes in time and reproduces the committed README.md (else it leaves its version to commit)"
    before = (ROOT/'README.md').read_text()
    rc, out = run_limited([BIN/'nbdev-readme'], README_LIMIT, env)
    assert rc == 0, f'nbdev-readme failed (exit {rc}):\n{out[-5000:]}'
    after = (ROOT/'README.md').read_text()
    if after != before:
        import difflib
        diff = ''.join(list(difflib.unified_diff(before.splitlines(True), after.splitlines(True), 'README.md (before)',
                                                 'README.md (nbdev-readme)'))[:80])
        pytest.fail(f'README.md is not what nbdev-readme makes from nbs/index.ipynb; README.md now holds its output: '
                    f'review and commit it\n{diff}')
    assert f'> {" ".join(summary_lines())}\n' in after, "README.md lacks index.ipynb's summary line"


def test_every_notebook_has_a_page(crawl):
    exp = expected_pages()
    assert len(exp) >= 19 and set(crawl) == set(exp)
    for name, nb in exp.items():
        f = crawl[name]
        title = next(m.group(1) for c in nb_cells(nb) if c['cell_type'] == 'markdown'
                     for m in [re.match(r'#\s+(.+)', src(c))] if m).strip()
        assert f['status'] == 200, (name, f['status'])
        assert f['h1'].strip().replace('’', "'") == title, (name, f['h1'], title)
        assert f['main_height'] > 300, f'{name}: main content is only {f["main_height"]} px high'


def test_pages_load_without_local_errors(crawl):
    "No console error, uncaught exception or failed request from the site itself (refused remote resources are fine)"
    bad = {n: f['problems'] for n, f in crawl.items() if f['problems']}
    assert not bad, json.dumps(bad, indent=1)
    assert all(f['bootstrap'] for f in crawl.values()), 'site_libs JS (bootstrap) did not run on some page'


def test_sidebar_lists_every_page(crawl, server):
    exp = {server + n for n in expected_pages()}
    for name, f in crawl.items():
        assert f['sidebar_shown'], f'{name}: no visible sidebar'
        got = {re.sub(r'/$', '/index.html', urldefrag(u).url) for u in f['sidebar']}
        assert got == exp, f'{name}: sidebar misses {sorted(exp - got)}, has extra {sorted(got - exp)}'


def test_local_links_and_images_resolve(crawl, server):
    "Every link and image into the site names an existing file, and every #fragment an element of the page it targets"
    ids = {server + n: set(f['ids']) for n, f in crawl.items()}
    bad, n_links = [], 0
    for name, f in crawl.items():
        for url in f['links'] + [i['src'] for i in f['images']]:
            if not url.startswith(server): continue
            n_links += 1
            base, frag = urldefrag(url)
            path = DOCS/unquote(urlsplit(base).path)[1:]
            if path.is_dir(): path = path/'index.html'
            if not path.is_file(): bad.append(f'{name}: {url} (no file {path.relative_to(DOCS)})')
            elif frag and base in ids and unquote(frag) not in ids[base]: bad.append(f'{name}: {url} (no id {frag!r})')
        bad += [f'{name}: image {i["src"]} did not load' for i in f['images'] if not (i['complete'] and i['nw'] > 0)]
    assert n_links > 500, n_links
    assert not bad, '\n'.join(bad[:50])


def test_index_subtitle_is_the_whole_summary(crawl):
    lines = summary_lines()
    assert len(lines) == 1, f"index.ipynb's summary spans {len(lines)} `>` lines; nbdev uses the first only: join them"
    want = lines[0]
    f = crawl['index.html']
    assert ' '.join(f['subtitle'].split()) == want
    assert set(f['meta']) == {'description', 'og:description', 'twitter:description'}, f['meta']
    assert all(v == want for v in f['meta'].values()), f['meta']


def test_api_entries_show_their_signature(crawl):
    "Named entries, and every public function/class in genreuse's doc index, have a signature under their heading"
    from genreuse._modidx import d
    def shown(page, name):
        return any(h.strip() == name and re.search(rf'\b{re.escape(name)}\s*\(', sig)
                   for h, sig in crawl[page]['signatures'])
    for page, name in API.items(): assert shown(page, name), f'{page}: no signature of {name}'
    missing = []
    for mod, syms in d['syms'].items():
        for sym, (url, _) in syms.items():
            name = sym[len(mod) + 1:]
            if name.startswith('_') or '.' in name: continue
            page = urlsplit(url).path.rsplit('/', 1)[-1]
            if not shown(page, name): missing.append(f'{page}: {name}')
    assert not missing, f'API entries without a signature: {missing}'


def _n_figures(nb):
    "Image outputs of the cells a reader sees (not hidden, not `include: false`/`output: false`)"
    hidden = re.compile(r'^#\|\s*(hide\s*$|include:\s*false|output:\s*false)', re.M)
    return sum(any(k.startswith('image/') for k in o.get('data', {})) for c in nb_cells(nb)
               if c['cell_type'] == 'code' and not hidden.search(src(c)) for o in c.get('outputs', []))


def test_replication_figures_are_visible(crawl):
    assert len(REPLICATION) == 5
    total = 0
    for nb in REPLICATION + TESTBED_PAGES:
        name = page_name(nb)
        figs = [i for i in crawl[name]['images'] if i['output']]
        assert len(figs) == _n_figures(nb), f'{name}: {len(figs)} figures shown, the notebook has {_n_figures(nb)}'
        for i in figs:
            assert i['shown'] and i['w'] >= 200 and i['h'] >= 100, f'{name}: figure {i["src"]} not visible: {i}'
            assert i['nw'] >= 200 and i['nh'] >= 100 and i['colours'] >= 8, f'{name}: trivial figure {i}'
        total += len(figs)
    assert total >= 5, total


def test_no_raw_markdown_in_rendered_text(crawl):
    "Prose holds no literal `**`, ``` or `#|`; displayed code holds no leftover `#|` directive"
    bad = []
    for name, f in crawl.items():
        for tok in ('**', '```', '#|'):
            for m in re.finditer(re.escape(tok), f['text']):
                bad.append(f'{name}: {tok!r} in …{f["text"][max(0, m.start() - 60):m.end() + 60]}…')
        bad += [f'{name}: directive in displayed code: {l.strip()}' for c in f['code'] for l in c.splitlines()
                if re.match(r'\s*#\|', l)]
    assert sum(len(f['text']) for f in crawl.values()) > 50_000 and sum(len(f['code']) for f in crawl.values()) > 100
    assert not bad, '\n'.join(bad[:40])


def test_screenshots_written(crawl):
    for stem in SHOT_PAGES.values():
        p = SHOTS/f'{stem}.png'
        assert p.exists() and p.stat().st_size > 20_000, p


def test_no_warning_traceback_or_temporary_path_on_any_page(crawl):
    "A page shows no stderr block, and no cell output holds a traceback, a Python warning or a temporary file path"
    bad = [f'{name}: stderr block: {e!r}' for name, f in crawl.items() for e in f['stderr']]
    pat = re.compile(r'Traceback \(most recent call last\)|\b\w*Warning: |/tmp/\S+|ipykernel_\d+')
    bad += [f'{name}: {m.group(0)!r} in an output' for name, f in crawl.items() for o in f['outputs'] for m in pat.finditer(o)]
    assert sum(len(f['outputs']) for f in crawl.values()) > 20
    assert not bad, '\n'.join(bad[:30])

