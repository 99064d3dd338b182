__version__ = "0.1.0"

import warnings as _warnings
# fastai's import calls torch.jit.script, which torch >= 2.10 deprecates; users cannot act on it, so keep it out of
# every command's output.
_warnings.filterwarnings('ignore', message=r'`torch\.jit\.script` is deprecated', category=FutureWarning)
