"""mimamoru (見守る): a self-hosted network camera service with privacy protection by default."""

__version__ = "0.1.0"
