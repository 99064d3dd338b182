"The genreuse-sweep console script, for running the CLI tests before `pip install -e .` creates it."
import sys
from genreuse.sweep import genreuse_sweep

if __name__ == '__main__': sys.exit(genreuse_sweep())
