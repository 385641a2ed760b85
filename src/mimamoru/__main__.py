"""Allow ``python -m mimamoru``."""

from mimamoru.cli import main

if __name__ == "__main__":
    main()
