"""How wordy the notebooks' markdown is (run by hand, not a test).

    python bench/prose.py            # prints the table and writes bench/results/prose.md

For every library notebook (the numbered notebooks that export a module) and the tutorial nbs/own_pools.ipynb: words per markdown cell
(mean, median, 90th percentile, max) and markdown words per exported-code line (all lines of cells whose
source starts with `#| export`/`#| exports`). Words are counted simply as `len(source.split())`: whitespace
splitting of the raw markdown, code fences, tables and links included.
"""
import json, re, statistics
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXPORT = re.compile(r'^\s*#\|\s*exports?\b')

def src(c): return ''.join(c['source']) if isinstance(c['source'], list) else c['source']

def measure(path):
    "Per-notebook markdown statistics for the notebook at `path`."
    cells = json.loads(Path(path).read_text())['cells']
    words = [len(src(c).split()) for c in cells if c['cell_type'] == 'markdown']
    lines = sum(len(src(c).splitlines()) for c in cells
                if c['cell_type'] == 'code' and any(EXPORT.match(l) for l in src(c).splitlines()[:3]))
    w = sorted(words)
    p90 = statistics.quantiles(w, n=10, method='inclusive')[-1] if len(w) > 1 else (w[0] if w else 0)
    return dict(cells=len(w), mean=statistics.mean(w) if w else 0, median=statistics.median(w) if w else 0,
                p90=p90, max=max(w, default=0), total=sum(w), export_lines=lines,
                per_line=sum(w) / lines if lines else float('nan'))

def table():
    nbs = [p for p in sorted((ROOT/'nbs').glob('[0-9][0-9]_*.ipynb')) if '#| default_exp' in p.read_text()] + [ROOT/'nbs'/'own_pools.ipynb']
    rows = ['| notebook | md cells | mean | median | p90 | max | md words | export lines | md words / export line |',
            '|---|--:|--:|--:|--:|--:|--:|--:|--:|']
    for p in nbs:
        m = measure(p)
        rows.append(f"| {p.name} | {m['cells']} | {m['mean']:.0f} | {m['median']:.0f} | {m['p90']:.0f} | {m['max']} "
                    f"| {m['total']} | {m['export_lines']} | {m['per_line']:.2f} |")
    return '\n'.join(rows)

if __name__ == '__main__':
    import argparse
    argparse.ArgumentParser(description=__doc__.splitlines()[0]).parse_args()   # --help only; the report has no options
    t = table()
    print(t)
    (ROOT/'bench'/'results'/'prose.md').write_text(
        "# Markdown words per notebook\n\nWritten by `python bench/prose.py`. Words are whitespace-split tokens of each "
        "markdown cell's raw source (`len(text.split())`, code fences and tables included); export lines are all "
        "lines of `#| export` cells. Targets (issue 33): median ≤ 35 words per markdown cell, no cell over 250. "
        "For scale, fastcore's notebooks: mean 22, median 14, p90 47.\n\n" + t + '\n')
