"""The reranker zoo: one module per family. Importing this package registers them all."""

import importlib
import pkgutil

# Every module here registers its rerankers on import; discovering them means a new family
# needs no edit here (and two people adding families never edit the same line).
for _module in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_module.name}")
