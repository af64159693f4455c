"""``python -m coopsim`` runs the command line."""
from .cli import console

console()
