"""`python -m books_app`: the `books` command."""

from books_app.cli import main

main()
