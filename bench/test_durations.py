"""Seconds per test file from a pytest JUnit XML report (each test's setup, call and teardown), written to
bench/results/test_durations.csv. tests/conftest.py reads that table to hand the slowest files to pytest-xdist first, so
that the two workers of the test command (scripts/test.sh, `--dist loadfile`) end at about the same time.
Usage: PYTEST_ADDOPTS=--junitxml=junit.xml bash scripts/test.sh; python bench/test_durations.py junit.xml"""
import argparse, sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pandas as pd

OUT = Path(__file__).resolve().parent/'results'/'test_durations.csv'


def file_seconds(report:str) -> pd.DataFrame:
    "Seconds per test file in the JUnit XML text `report`, slowest first"
    cases = ET.fromstring(report).iter('testcase')
    rows = [('/'.join(c.get('classname').split('.')[:2]) + '.py', float(c.get('time'))) for c in cases]
    if not rows: raise ValueError('report: no test cases; write it with pytest --junitxml')
    t = pd.DataFrame(rows, columns=['file', 'seconds']).groupby('file', as_index=False).seconds.sum()
    return t.sort_values('seconds', ascending=False).round({'seconds': 1})


if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('report', type=Path, help="pytest's JUnit XML report")
    a = ap.parse_args()
    try: table = file_seconds(a.report.read_text())
    except (OSError, ValueError, ET.ParseError) as e: sys.exit(f'test_durations.py: report: {e}')
    table.to_csv(OUT, index=False)
    print(f'{OUT.name}: {len(table)} files, {table.seconds.sum():.0f} s in all')
